package io.xdpguard.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import inet.ipaddr.IPAddress;
import io.xdpguard.api.validation.Cidrs;
import org.junit.jupiter.api.Test;

class CidrsTest {
    @Test
    void ruleAddressesParseAsCidrsDoAndRepeatsComeFromTheCache() {
        IPAddress first = Cidrs.parseRuleAddress("10.0.0.0/8");
        assertThat(first).isEqualTo(Cidrs.parse("10.0.0.0/8"));
        assertThat(Cidrs.parseRuleAddress("10.0.0.0/8")).isSameAs(first);
        assertThat(Cidrs.parseRuleAddress("2001:db8::7")).isEqualTo(Cidrs.parse("2001:db8::7/128"));
    }

    @Test
    void badRuleAddressesFailWithTheSameMessageEveryTime() {
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> Cidrs.parseRuleAddress("10.0.0.1/8"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("\"10.0.0.1/8\" has host bits set; did you mean \"10.0.0.0/8\"?");
            assertThatThrownBy(() -> Cidrs.parseRuleAddress(null)).hasMessage("an address or CIDR is required");
        }
    }

    @Test
    void theCacheKeepsOnlyRecentTexts() {
        IPAddress first = Cidrs.parseRuleAddress("192.0.2.0/24");
        for (int i = 0; i < 10_000; i++) {
            Cidrs.parseRuleAddress("10." + (i >> 8) + "." + (i & 255) + ".0/24");
        }
        IPAddress again = Cidrs.parseRuleAddress("192.0.2.0/24");
        assertThat(again).isEqualTo(first).isNotSameAs(first);
    }
}
