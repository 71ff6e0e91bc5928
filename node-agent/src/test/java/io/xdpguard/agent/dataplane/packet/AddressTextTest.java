package io.xdpguard.agent.dataplane.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Addresses are shown in RFC 5952 canonical text, the form users type and grep for. */
class AddressTextTest {

    @ParameterizedTest
    @CsvSource({
            "2001:db8:0:0:0:0:0:1, 2001:db8::1",
            "2001:0DB8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
            "0:0:0:0:0:0:0:0, ::",
            "0:0:0:0:0:0:0:1, ::1",
            "2001:db8:0:0:0:0:0:0, 2001:db8::",
            // a single zero group is not compressed
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            // the longest run wins
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
            // on a tie, the leftmost
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "fe80:0:0:0:abcd:ef00:0:0, fe80::abcd:ef00:0:0",
            "2001:DB8:BAD:0:0:0:0:7, 2001:db8:bad::7",
            // IPv4-mapped, in mixed notation
            "0:0:0:0:0:ffff:c000:201, ::ffff:192.0.2.1",
            // IPv4-compatible (deprecated) and others are plain IPv6
            "0:0:0:0:0:0:c000:201, ::c000:201",
            "64:ff9b:0:0:0:0:c000:201, 64:ff9b::c000:201",
            "192.0.2.1, 192.0.2.1",
            "255.255.0.0, 255.255.0.0"})
    void canonicalText(String literal, String expected) {
        assertThat(AddressText.of(PacketBuilder.addressLiteral(literal))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"2001:db8:0:0:0:0:0:1, 2001:db8::1", "10.0.0.1, 10.0.0.1", "::ffff:10.0.0.1, ::ffff:10.0.0.1"})
    void inetAddressesKeepTheirFamily(String literal, String expected) {
        InetAddress address = AddressText.inet(PacketBuilder.addressLiteral(literal));
        assertThat(AddressText.of(address)).isEqualTo(expected);
        assertThat(AddressText.of((InetAddress) null)).isNull();
    }

    @ParameterizedTest
    @CsvSource({"::ffff:192.0.2.1, 4, 192.0.2.1", "::ffff:192.0.2.1, 6, ::ffff:192.0.2.1", "2001:db8::2, 6, 2001:db8::2"})
    void theParsersSixteenByteForm(String literal, int family, String expected) {
        assertThat(AddressText.of(PacketBuilder.addressLiteral(literal), family)).isEqualTo(expected);
    }
}
