package io.xdpguard.agent.dataplane.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xdpguard.api.validation.Cidrs;
import java.util.List;
import org.junit.jupiter.api.Test;

class AddressMatchTest {
    @Test
    void parsedTextsGiveTheSameMatchAsParsedAddresses() {
        List<String> texts = List.of("10.0.0.0/8", "2001:db8::/32", "198.51.100.7", "::ffff:192.0.2.1",
                "2001:DB8:100::7", "0.0.0.0/0", "fe80::/10");

        AddressMatch parsed = AddressMatch.parse(texts);

        assertThat(parsed).isEqualTo(AddressMatch.of(texts.stream().map(Cidrs::parse).toList()));
        assertThat(parsed.ipv4Count()).isEqualTo(3);
        assertThat(parsed.ipv6Count()).isEqualTo(4);
        assertThat(parsed.matches(Cidrs.parse("2001:db8:100::7"))).isTrue();
        assertThat(parsed.prefixes().get(1)).isEqualTo(Cidrs.parse("198.51.100.7/32"));
    }

    @Test
    void aBadTextFailsWithTheValidatorsMessage() {
        assertThatThrownBy(() -> AddressMatch.parse(List.of("10.0.0.0/8", "10.0.0.1/8")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"10.0.0.1/8\" has host bits set; did you mean \"10.0.0.0/8\"?");
    }
}
