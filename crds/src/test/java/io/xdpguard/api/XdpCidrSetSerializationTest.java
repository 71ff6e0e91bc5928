package io.xdpguard.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.spec.CompactCidrList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** XdpCidrSet lists read from the API server are held compactly and read back exactly as written. */
class XdpCidrSetSerializationTest {
    private static final String HEAD = """
            apiVersion: xdpguard.io/v1alpha1
            kind: XdpCidrSet
            metadata:
              name: blocklist
            spec:
            """;

    @Test
    void cidrsReadFromJsonOrYamlAreTheSameStringsInTheSameOrder() {
        List<String> cidrs = List.of("10.0.0.0/8", "2001:db8::/32", "192.0.2.7", "", "nope", "10.0.0.0/8", "ünïcödé");
        String json = Serialization.asJson(cidrSet(cidrs));

        XdpCidrSet fromJson = Serialization.unmarshal(json, XdpCidrSet.class);
        XdpCidrSet fromYaml = Serialization.unmarshal(HEAD + "  cidrs: [\"10.0.0.0/8\", \"2001:db8::/32\", 192.0.2.7, \"\","
                + " nope, 10.0.0.0/8, ünïcödé]\n", XdpCidrSet.class);

        assertThat(fromJson.getSpec().getCidrs()).isInstanceOf(CompactCidrList.class).containsExactlyElementsOf(cidrs);
        assertThat(fromYaml.getSpec().getCidrs()).isInstanceOf(CompactCidrList.class).containsExactlyElementsOf(cidrs);
        assertThat(Serialization.asJson(fromJson)).isEqualTo(json);
        assertThat(fromJson.getSpec().getCidrs()).isEqualTo(cidrs).hasSameHashCodeAs(cidrs);
    }

    @Test
    void nullsAndEmptyListsSurviveAndIndexesOutsideTheListAreRefused() {
        List<String> read = Serialization.unmarshal(HEAD + "  cidrs: [a, null, b]\n", XdpCidrSet.class).getSpec().getCidrs();
        assertThat(read).containsExactly("a", null, "b");
        assertThatThrownBy(() -> read.get(3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> read.add("c")).isInstanceOf(UnsupportedOperationException.class);

        assertThat(Serialization.unmarshal(HEAD + "  cidrs: []\n", XdpCidrSet.class).getSpec().getCidrs()).isEmpty();
    }

    @Test
    void aLargeListIsReadWhole() {
        String[] cidrs = new String[50_000];
        Arrays.setAll(cidrs, i -> "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255) + "/32");
        List<String> read = Serialization.unmarshal(Serialization.asJson(cidrSet(List.of(cidrs))), XdpCidrSet.class)
                .getSpec().getCidrs();
        assertThat(read).containsExactly(cidrs);
    }

    @Test
    void aListOfSomethingElseIsAnError() {
        assertThatThrownBy(() -> Serialization.unmarshal(HEAD + "  cidrs: [[1]]\n", XdpCidrSet.class))
                .hasStackTraceContaining("expected a string in the array");
        assertThatThrownBy(() -> Serialization.unmarshal(HEAD + "  cidrs: 10.0.0.0/8\n", XdpCidrSet.class))
                .hasStackTraceContaining("expected an array of strings");
    }

    private static XdpCidrSet cidrSet(List<String> cidrs) {
        XdpCidrSet set = Serialization.unmarshal(HEAD + "  cidrs: []\n", XdpCidrSet.class);
        set.getSpec().setCidrs(cidrs);
        return set;
    }
}
