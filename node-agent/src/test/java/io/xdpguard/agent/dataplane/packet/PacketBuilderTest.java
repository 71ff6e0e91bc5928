package io.xdpguard.agent.dataplane.packet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PacketBuilderTest {

    /** Start of the IP header and of the L4 header in untagged frames. */
    private static final int L3 = 14;
    private static final int L4_AFTER_IPV4 = L3 + 20;
    private static final int L4_AFTER_IPV6 = L3 + 40;

    private static int u16(byte[] frame, int offset) {
        return (frame[offset] & 0xff) << 8 | frame[offset + 1] & 0xff;
    }

    private static int u8(byte[] frame, int offset) {
        return frame[offset] & 0xff;
    }

    /** The ones'-complement sum of a range; a valid checksummed range sums to 0xffff. */
    private static int onesComplementSum(byte[] frame, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i += 2) {
            sum += u16(frame, i);
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum;
    }

    // Known answers computed independently (Python struct arithmetic).

    @Test
    void ipv4AndUdpChecksumsKnownAnswer() {
        byte[] frame = PacketBuilder.udp4("10.0.0.1", 1234, "10.0.0.2", 53).build();

        assertThat(u16(frame, L3 + 10)).isEqualTo(0x66cf);
        assertThat(u16(frame, L4_AFTER_IPV4 + 6)).isEqualTo(0xe6d4);
    }

    @Test
    void tcpChecksumKnownAnswer() {
        byte[] frame = PacketBuilder.tcp4("10.0.0.1", 1234, "10.0.0.2", 80).build();

        assertThat(u8(frame, L4_AFTER_IPV4 + 12)).as("data offset").isEqualTo(0x50);
        assertThat(u8(frame, L4_AFTER_IPV4 + 13)).as("flags").isEqualTo(PacketBuilder.TCP_SYN);
        assertThat(u16(frame, L4_AFTER_IPV4 + 16)).isEqualTo(0x96be);
    }

    @Test
    void udpOverIpv6ChecksumAndLengthsKnownAnswer() {
        byte[] frame = PacketBuilder.udp6("2001:db8::1", 1234, "2001:db8::2", 53)
                .payload("hi".getBytes()).build();

        assertThat(u16(frame, L3 + 4)).as("payload length").isEqualTo(10);
        assertThat(u16(frame, L4_AFTER_IPV6 + 4)).as("UDP length").isEqualTo(10);
        assertThat(u16(frame, L4_AFTER_IPV6 + 6)).isEqualTo(0x36f5);
    }

    @Test
    void icmpChecksumsKnownAnswer() {
        byte[] icmp = PacketBuilder.icmp4(8).build();
        byte[] icmpv6 = PacketBuilder.icmp6(128).build();

        assertThat(u16(icmp, L4_AFTER_IPV4 + 2)).isEqualTo(0xf7ff);
        assertThat(u16(icmpv6, L4_AFTER_IPV6 + 2)).isEqualTo(0x2448);
    }

    @Test
    void ipv4HeaderWithOptionsHasValidChecksumAndLengths() {
        byte[] frame = PacketBuilder.udp4("192.0.2.10", 5, "198.51.100.7", 6)
                .ipv4Options(new byte[] {7, 7, 4, 0, 0, 0, 0, 0}).ttl(3).fragment(185, true)
                .payload(new byte[10]).build();

        assertThat(u8(frame, L3)).as("version and IHL").isEqualTo(0x47);
        assertThat(u16(frame, L3 + 2)).as("total length").isEqualTo(28 + 8 + 10);
        assertThat(u16(frame, L3 + 6)).as("MF and offset").isEqualTo(0x2000 | 185);
        assertThat(u8(frame, L3 + 8)).as("TTL").isEqualTo(3);
        assertThat(onesComplementSum(frame, L3, L3 + 28)).isEqualTo(0xffff);
        assertThat(u16(frame, L3 + 28 + 4)).as("UDP length").isEqualTo(18);
        assertThat(frame).hasSize(14 + 46);
    }

    @Test
    void ipv6ExtensionHeadersAreChained() {
        byte[] frame = PacketBuilder.udp6("2001:db8::1", 1, "2001:db8::2", 2).ttl(9)
                .extensionHeader(Ipv6ExtensionHeader.hopByHop())
                .extensionHeader(Ipv6ExtensionHeader.of(IpProtocols.ROUTING, 16))
                .fragment(100, true)
                .extensionHeader(Ipv6ExtensionHeader.authentication())
                .extensionHeader(Ipv6ExtensionHeader.destinationOptions())
                .build();
        int hop = L4_AFTER_IPV6;
        int routing = hop + 8;
        int fragment = routing + 16;
        int ah = fragment + 8;
        int options = ah + 24;
        int udp = options + 8;

        assertThat(u16(frame, L3 + 4)).as("payload length").isEqualTo(udp + 8 - L4_AFTER_IPV6);
        assertThat(u8(frame, L3 + 6)).as("first next header").isEqualTo(IpProtocols.HOP_BY_HOP);
        assertThat(u8(frame, L3 + 7)).as("hop limit").isEqualTo(9);
        assertThat(u8(frame, hop)).isEqualTo(IpProtocols.ROUTING);
        assertThat(u8(frame, hop + 1)).as("8-byte units minus 1").isZero();
        assertThat(u8(frame, routing)).isEqualTo(IpProtocols.FRAGMENT);
        assertThat(u8(frame, routing + 1)).isEqualTo(1);
        assertThat(u8(frame, fragment)).isEqualTo(IpProtocols.AUTHENTICATION);
        assertThat(u16(frame, fragment + 2)).as("offset and M").isEqualTo(100 << 3 | 1);
        assertThat(u8(frame, ah)).isEqualTo(IpProtocols.DESTINATION_OPTIONS);
        assertThat(u8(frame, ah + 1)).as("4-byte units minus 2").isEqualTo(4);
        assertThat(u8(frame, options)).isEqualTo(IpProtocols.UDP);
        assertThat(u16(frame, udp + 2)).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 16, 264, 272, 2048})
    void optionHeadersArePaddedWithWellFormedOptions(int length) {
        byte[] header = Ipv6ExtensionHeader.of(IpProtocols.DESTINATION_OPTIONS, length).encode(59);

        int position = 2;
        while (position < length) {
            int type = u8(header, position);
            assertThat(type).as("Pad1 or PadN at %d", position).isIn(0, 1);
            position += type == 0 ? 1 : 2 + u8(header, position + 1);
        }
        assertThat(position).isEqualTo(length);
        assertThat(u8(header, 1)).isEqualTo(length / 8 - 1);
    }

    @Test
    void vlanTagsComeOutermostFirst() {
        byte[] frame = PacketBuilder.udp4("10.0.0.1", 1, "10.0.0.2", 2)
                .vlan(EtherTypes.QINQ, 100).vlan(200).build();

        assertThat(u16(frame, 12)).isEqualTo(EtherTypes.QINQ);
        assertThat(u16(frame, 14)).isEqualTo(100);
        assertThat(u16(frame, 16)).isEqualTo(EtherTypes.VLAN);
        assertThat(u16(frame, 18)).isEqualTo(200);
        assertThat(u16(frame, 20)).isEqualTo(EtherTypes.IPV4);
        assertThat(u8(frame, 22) >> 4).isEqualTo(4);
    }

    @Test
    void macAddressesLeadTheFrame() {
        byte[] frame = PacketBuilder.icmp4(0).destinationMac("aa:bb:cc:dd:ee:ff")
                .sourceMac("02:00:00:00:00:09").build();

        assertThat(Arrays.copyOfRange(frame, 0, 12)).containsExactly(
                0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x02, 0, 0, 0, 0, 0x09);
    }

    @Test
    void padsToSixtyBytesByDefaultAndOnlyWhenShorter() {
        PacketBuilder udp = PacketBuilder.udp4("10.0.0.1", 1, "10.0.0.2", 2);
        byte[] padded = udp.build();

        assertThat(padded).hasSize(PacketBuilder.DEFAULT_MINIMUM_FRAME_SIZE);
        assertThat(Arrays.copyOfRange(padded, 42, 60)).containsOnly(0);
        assertThat(udp.minimumFrameSize(0).build()).hasSize(42).isEqualTo(Arrays.copyOf(padded, 42));
        assertThat(udp.minimumFrameSize(128).build()).hasSize(128);
        assertThat(udp.minimumFrameSize(60).payload(new byte[100]).build()).hasSize(142);
    }

    @Test
    void truncateCutsTheFinishedFrame() {
        PacketBuilder tcp = PacketBuilder.tcp6("::1", 1, "::2", 2);
        byte[] whole = tcp.build();

        assertThat(tcp.truncate(20).build()).isEqualTo(Arrays.copyOf(whole, 20));
        assertThat(tcp.truncate(10_000).build()).isEqualTo(whole);
    }

    @Test
    void withoutTransportTheProtocolIsNoNextHeaderOrTheOverride() {
        byte[] none = PacketBuilder.ethernet().ipv6("::1", "::2").build();
        byte[] gre = PacketBuilder.ethernet().ipv4("10.0.0.1", "10.0.0.2").protocol(47)
                .payload(new byte[] {1, 2, 3}).build();

        assertThat(u8(none, L3 + 6)).isEqualTo(IpProtocols.NO_NEXT_HEADER);
        assertThat(u16(none, L3 + 4)).isZero();
        assertThat(u8(gre, L3 + 9)).isEqualTo(47);
        assertThat(u16(gre, L3 + 2)).isEqualTo(23);
        assertThat(Arrays.copyOfRange(gre, L4_AFTER_IPV4, L4_AFTER_IPV4 + 3)).containsExactly(1, 2, 3);
    }

    @Test
    void protocolOverrideKeepsTheTransportHeader() {
        byte[] frame = PacketBuilder.udp4("10.0.0.1", 7, "10.0.0.2", 8).protocol(IpProtocols.ICMPV6).build();

        assertThat(u8(frame, L3 + 9)).isEqualTo(IpProtocols.ICMPV6);
        assertThat(u16(frame, L4_AFTER_IPV4)).isEqualTo(7);
    }

    @Test
    void ipTakesTheFamilyOfTheAddresses() {
        byte[] frame = PacketBuilder.ethernet()
                .ip(PacketBuilder.addressLiteral("2001:db8::5"), PacketBuilder.addressLiteral("2001:db8::6")).udp(1, 2).build();

        assertThat(u16(frame, 12)).isEqualTo(EtherTypes.IPV6);
        assertThat(u8(frame, L3 + 8 + 15)).isEqualTo(5);
    }

    @Test
    void arpRequestBody() {
        byte[] frame = PacketBuilder.ethernet().sourceMac("02:00:00:00:00:07").arp("10.0.0.1", "10.0.0.9").build();

        assertThat(u16(frame, 12)).isEqualTo(EtherTypes.ARP);
        assertThat(u16(frame, L3)).as("hardware type").isEqualTo(1);
        assertThat(u16(frame, L3 + 2)).as("protocol type").isEqualTo(EtherTypes.IPV4);
        assertThat(u16(frame, L3 + 4)).as("address lengths").isEqualTo(0x0604);
        assertThat(u16(frame, L3 + 6)).as("request").isEqualTo(1);
        assertThat(Arrays.copyOfRange(frame, L3 + 8, L3 + 18)).containsExactly(2, 0, 0, 0, 0, 7, 10, 0, 0, 1);
        assertThat(Arrays.copyOfRange(frame, L3 + 24, L3 + 28)).containsExactly(10, 0, 0, 9);
        assertThat(frame).hasSize(60);
    }

    @Test
    void lldpGoesToTheLldpMulticastWithAnEndTlv() {
        byte[] frame = PacketBuilder.ethernet().lldp().minimumFrameSize(0).build();

        assertThat(Arrays.copyOf(frame, 6)).containsExactly(0x01, 0x80, 0xc2, 0, 0, 0x0e);
        assertThat(u16(frame, 12)).isEqualTo(EtherTypes.LLDP);
        assertThat(u16(frame, L3) >> 9).as("first TLV: chassis id").isEqualTo(1);
        assertThat(u16(frame, frame.length - 2)).as("end TLV").isZero();
    }

    @Test
    void hexRoundTrip() {
        byte[] frame = PacketBuilder.tcp6("2001:db8::1", 80, "2001:db8::2", 8080).vlan(3).build();
        String hex = PacketBuilder.toHex(frame);

        assertThat(hex).hasSize(frame.length * 2).matches("[0-9a-f]+");
        assertThat(PacketBuilder.fromHex(hex)).isEqualTo(frame);
        assertThat(PacketBuilder.udp4("10.0.0.1", 1, "10.0.0.2", 2).toHex()).startsWith("020000000002020000000001");
    }

    @Test
    void fromHexIgnoresPrefixAndSeparators() {
        assertThat(PacketBuilder.fromHex(" 0x0a:0B 0c-0d\n")).containsExactly(10, 11, 12, 13);
        assertThatThrownBy(() -> PacketBuilder.fromHex("abc")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PacketBuilder.fromHex("zz")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsWhatCannotBeEncoded() {
        assertThatThrownBy(() -> PacketBuilder.icmp4(0).ipv4Options(new byte[3]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PacketBuilder.icmp4(0).ipv4Options(new byte[44]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PacketBuilder.udp4("10.0.0.1", 1, "10.0.0.2", 2).payload(new byte[65536]).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PacketBuilder.icmp4(0).vlan(4096)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PacketBuilder.icmp4(0).tcp(65536, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ipv6ExtensionHeader.of(IpProtocols.HOP_BY_HOP, 12))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ipv6ExtensionHeader.of(IpProtocols.UDP, 8))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ipv6ExtensionHeader.fragment(0x2000, false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsSettingsOfTheWrongFamily() {
        assertThatThrownBy(() -> PacketBuilder.icmp6(128).ipv4Options(new byte[4]))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PacketBuilder.icmp4(8).extensionHeader(Ipv6ExtensionHeader.hopByHop()))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PacketBuilder.ethernet().fragment(1, false))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PacketBuilder.ethernet().build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PacketBuilder.ethernet()
                .ip(PacketBuilder.addressLiteral("10.0.0.1"), PacketBuilder.addressLiteral("::ffff:10.0.0.1")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "10.0.0.0/8", "10.0.0.*", "10.1", "", "2001:db8::1"})
    void ipv4TakesOnlyIpv4AddressLiterals(String notAnIpv4Address) {
        assertThatThrownBy(() -> PacketBuilder.ethernet().ipv4(notAnIpv4Address, "10.0.0.1"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void factoriesBuildWhatTheyAreNamedFor() {
        Stream<PacketBuilder> builders = Stream.of(
                PacketBuilder.udp4("10.0.0.1", 1, "10.0.0.2", 2),
                PacketBuilder.udp6("::1", 1, "::2", 2),
                PacketBuilder.tcp4("10.0.0.1", 1, "10.0.0.2", 2),
                PacketBuilder.tcp6("::1", 1, "::2", 2),
                PacketBuilder.icmp4(8),
                PacketBuilder.icmp6(128));

        assertThat(builders.map(b -> PacketParser.parse(b.build())))
                .extracting(ParsedPacket::family, ParsedPacket::l4Class)
                .containsExactly(tuple(4, L4Class.UDP), tuple(6, L4Class.UDP), tuple(4, L4Class.TCP),
                        tuple(6, L4Class.TCP), tuple(4, L4Class.ICMP), tuple(6, L4Class.ICMPV6));
    }
}
