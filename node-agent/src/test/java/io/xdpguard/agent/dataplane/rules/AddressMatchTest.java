package io.xdpguard.agent.dataplane.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xdpguard.api.v1alpha1.spec.CompactCidrList;
import io.xdpguard.api.validation.Cidrs;
import java.util.ArrayList;
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
    void aCompactListOfCanonicalCidrsIsReadInPlaceAndMatchesAsItsParsedTexts() {
        List<String> direct = List.of("192.0.2.0/24", "2001:db8:ff::/48");
        List<String> set = List.of("10.0.0.0/8", "2001:db8::/32", "198.51.100.7", "::1", "203.0.113.0/24");
        CompactCidrList compact = CompactCidrList.of(set);

        AddressMatch inPlace = AddressMatch.parseAll(List.of(direct, compact));
        AddressMatch parsed = AddressMatch.parseAll(List.of(direct, new ArrayList<>(set)));

        assertThat(inPlace.readsListsInPlace()).isTrue();
        assertThat(parsed.readsListsInPlace()).isFalse();
        assertThat(inPlace).isEqualTo(parsed).hasSameHashCodeAs(parsed);
        assertThat(parsed).isEqualTo(inPlace);
        assertThat(inPlace.ipv4Count()).isEqualTo(4);
        assertThat(inPlace.ipv6Count()).isEqualTo(3);
        assertThat(inPlace.prefixes()).containsExactlyInAnyOrderElementsOf(parsed.prefixes());
        for (String address : List.of("10.1.2.3", "2001:db8:1::1", "198.51.100.7", "192.0.2.9", "::1", "2001:db8:ff::9")) {
            assertThat(inPlace.matches(Cidrs.parse(address))).as(address).isTrue();
        }
        for (String address : List.of("11.0.0.1", "2001:db9::1", "198.51.100.8", "::2", "::ffff:10.0.0.1")) {
            assertThat(inPlace.matches(Cidrs.parse(address))).as(address).isFalse();
        }
        // an equal list delivered again gives an equal match; one more CIDR does not
        assertThat(AddressMatch.parseAll(List.of(direct, CompactCidrList.of(set)))).isEqualTo(inPlace);
        List<String> longer = new ArrayList<>(set);
        longer.add("203.0.114.0/24");
        assertThat(AddressMatch.parseAll(List.of(direct, CompactCidrList.of(longer)))).isNotEqualTo(inPlace);
    }

    @Test
    void aCompactListWithTextsNotStoredAsBitsIsParsed() {
        CompactCidrList compact = CompactCidrList.of(List.of("10.0.0.0/8", "2001:DB8::/32"));

        AddressMatch match = AddressMatch.parse(compact);

        assertThat(match.readsListsInPlace()).isFalse();
        assertThat(match).isEqualTo(AddressMatch.parse(List.of("10.0.0.0/8", "2001:db8::/32")));
    }

    @Test
    void aBadTextFailsWithTheValidatorsMessage() {
        assertThatThrownBy(() -> AddressMatch.parse(List.of("10.0.0.0/8", "10.0.0.1/8")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"10.0.0.1/8\" has host bits set; did you mean \"10.0.0.0/8\"?");
    }
}
