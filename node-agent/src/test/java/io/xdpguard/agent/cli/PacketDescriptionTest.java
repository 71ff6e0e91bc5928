package io.xdpguard.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xdpguard.agent.dataplane.packet.AddressText;
import io.xdpguard.agent.dataplane.packet.PacketParser;
import io.xdpguard.agent.dataplane.packet.ParsedPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The short packet descriptions of `trace --packet`. */
class PacketDescriptionTest {

    @ParameterizedTest
    @ValueSource(strings = {"icmp6 [2001:db8::1] [2001:db8::2] 128", "icmp6 2001:db8::1 2001:db8::2 128",
            "ICMP6 [2001:db8::1] 2001:db8::2 128"})
    void icmp6AddressesWithOrWithoutBrackets(String description) {
        ParsedPacket parsed = PacketParser.parse(PacketDescription.parse(description));

        assertThat(parsed.family()).isEqualTo(6);
        assertThat(parsed.protocol()).isEqualTo(58);
        assertThat(parsed.icmpType()).isEqualTo(128);
        assertThat(AddressText.of(parsed.source(), 6)).isEqualTo("2001:db8::1");
        assertThat(AddressText.of(parsed.destination(), 6)).isEqualTo("2001:db8::2");
    }

    @Test
    void icmpAddressesInBracketsToo() {
        ParsedPacket parsed = PacketParser.parse(PacketDescription.parse("icmp [192.0.2.1] [10.0.0.1] 8"));

        assertThat(parsed.family()).isEqualTo(4);
        assertThat(parsed.icmpType()).isEqualTo(8);
        assertThat(AddressText.of(parsed.source(), 4)).isEqualTo("192.0.2.1");
    }

    @Test
    void portsStillNeedBracketsAroundIpv6AndANameIsNoAddress() {
        ParsedPacket parsed = PacketParser.parse(PacketDescription.parse("tcp [2001:db8::1]:40000 [2001:db8::2]:443"));
        assertThat(parsed.destinationPort()).isEqualTo(443);
        assertThatThrownBy(() -> PacketDescription.parse("icmp6 [example.com] 2001:db8::2 128"))
                .hasMessageContaining("not an IP address: example.com");
        assertThatThrownBy(() -> PacketDescription.parse("icmp6 [2001:db8::1 2001:db8::2 128"))
                .hasMessageContaining("not an IP address: [2001:db8::1");
    }
}
