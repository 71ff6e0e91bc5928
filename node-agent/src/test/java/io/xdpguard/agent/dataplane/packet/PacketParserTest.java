package io.xdpguard.agent.dataplane.packet;

import static io.xdpguard.agent.dataplane.packet.Ipv6ExtensionHeader.authentication;
import static io.xdpguard.agent.dataplane.packet.Ipv6ExtensionHeader.destinationOptions;
import static io.xdpguard.agent.dataplane.packet.Ipv6ExtensionHeader.hopByHop;
import static io.xdpguard.agent.dataplane.packet.Ipv6ExtensionHeader.routing;
import static io.xdpguard.agent.dataplane.packet.L4Class.SPORT_NONE;
import static io.xdpguard.agent.dataplane.packet.ParsedPacket.ABSENT;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PacketParserTest {

    private static final String V4_SRC = "10.0.0.1";
    private static final String V4_DST = "10.0.0.2";
    private static final String V6_SRC = "2001:db8::1";
    private static final String V6_DST = "2001:db8::2";
    /** Where the IPv4 / IPv6 header starts in an untagged frame. */
    private static final int L3 = 14;

    /** The dataplane's view of a frame, as far as the table needs it. */
    private record Expected(ParseOutcome outcome, L4Class l4Class, int l4Value, int sportIndex,
            String reason) {
    }

    private static Expected ip(L4Class l4Class, int l4Value, int sportIndex) {
        return new Expected(ParseOutcome.IP, l4Class, l4Value, sportIndex, null);
    }

    private static Expected ports(L4Class l4Class, int sourcePort, int destinationPort) {
        return ip(l4Class, destinationPort, l4Class.index(sourcePort));
    }

    private static Expected noPorts(L4Class l4Class, int l4Value) {
        return ip(l4Class, l4Value, SPORT_NONE);
    }

    private static Expected nonIp() {
        return new Expected(ParseOutcome.NON_IP, null, ABSENT, ABSENT, null);
    }

    private static Expected malformed(String reason) {
        return new Expected(ParseOutcome.MALFORMED, null, ABSENT, ABSENT, reason);
    }

    private static Arguments row(String name, PacketBuilder frame, Expected expected) {
        return Arguments.of(name, frame.build(), expected);
    }

    private static Arguments row(String name, byte[] frame, Expected expected) {
        return Arguments.of(name, frame, expected);
    }

    private static PacketBuilder udp4() {
        return PacketBuilder.udp4(V4_SRC, 1234, V4_DST, 53);
    }

    private static PacketBuilder udp6() {
        return PacketBuilder.udp6(V6_SRC, 1234, V6_DST, 53);
    }

    /** An IPv6 UDP packet behind n extension headers of alternating kinds. */
    private static PacketBuilder udp6Behind(int extensionHeaders) {
        PacketBuilder builder = udp6();
        for (int i = 0; i < extensionHeaders; i++) {
            builder.extensionHeader(i % 2 == 0 ? destinationOptions() : routing());
        }
        return builder;
    }

    private static byte[] patched(PacketBuilder builder, int offset, int value) {
        byte[] frame = builder.build();
        frame[offset] = (byte) value;
        return frame;
    }

    static Stream<Arguments> ethernet() {
        Expected udp53 = ports(L4Class.UDP, 1234, 53);
        return Stream.of(
                row("13 bytes", new byte[13], malformed("shorter than an Ethernet header")),
                row("empty", new byte[0], malformed("shorter than an Ethernet header")),
                row("untagged", udp4(), udp53),
                row("802.1Q", udp4().vlan(100), udp53),
                row("802.1ad", udp4().vlan(EtherTypes.QINQ, 100), udp53),
                row("802.1ad + 802.1Q", udp4().vlan(EtherTypes.QINQ, 100).vlan(200), udp53),
                row("802.1Q + 802.1ad", udp4().vlan(100).vlan(EtherTypes.QINQ, 200), udp53),
                row("802.1Q + 802.1Q", udp4().vlan(100).vlan(200), udp53),
                row("802.1ad + 802.1ad", udp4().vlan(EtherTypes.QINQ, 1).vlan(EtherTypes.QINQ, 2), udp53),
                row("three tags", udp4().vlan(1).vlan(2).vlan(3), malformed("more than 2 VLAN tags")),
                row("three 802.1ad tags",
                        udp4().vlan(EtherTypes.QINQ, 1).vlan(EtherTypes.QINQ, 2).vlan(EtherTypes.QINQ, 3),
                        malformed("more than 2 VLAN tags")),
                row("first tag cut", udp4().vlan(1).truncate(17), malformed("truncated VLAN tag")),
                row("second tag cut", udp4().vlan(1).vlan(2).truncate(21), malformed("truncated VLAN tag")),
                row("0x9100 is no tag", udp4().vlan(0x9100, 1), nonIp()),
                row("ARP", PacketBuilder.ethernet().arp(V4_SRC, V4_DST), nonIp()),
                row("ARP in two tags", PacketBuilder.ethernet().vlan(1).vlan(2).arp(V4_SRC, V4_DST), nonIp()),
                row("LLDP", PacketBuilder.ethernet().lldp(), nonIp()),
                row("unknown ethertype", PacketBuilder.ethernet().etherType(0x88b5), nonIp()),
                row("bare Ethernet header with IPv4 ethertype",
                        udp4().truncate(14), malformed("truncated IPv4 header")));
    }

    static Stream<Arguments> ipv4() {
        return Stream.of(
                row("19 bytes of header", udp4().truncate(L3 + 19), malformed("truncated IPv4 header")),
                row("header without L4 bytes", udp4().truncate(L3 + 20), malformed("truncated UDP ports")),
                row("IPv6 header under 0x0800", udp6().etherType(EtherTypes.IPV4),
                        malformed("IP version 6 under the IPv4 ethertype")),
                row("IHL 4", patched(udp4(), L3, 0x44), malformed("IPv4 IHL below 5")),
                row("IHL 0", patched(udp4(), L3, 0x40), malformed("IPv4 IHL below 5")),
                row("IHL 15 beyond the frame", patched(udp4().minimumFrameSize(0), L3, 0x4f),
                        malformed("truncated IPv4 options")),
                row("4 bytes of options", udp4().ipv4Options(new byte[] {1, 1, 1, 0}), ports(L4Class.UDP, 1234, 53)),
                row("40 bytes of options", udp4().ipv4Options(new byte[40]), ports(L4Class.UDP, 1234, 53)),
                row("options cut", udp4().ipv4Options(new byte[8]).truncate(L3 + 27),
                        malformed("truncated IPv4 options")),
                row("options then no ports", udp4().ipv4Options(new byte[8]).truncate(L3 + 28),
                        malformed("truncated UDP ports")),
                row("TCP", PacketBuilder.tcp4(V4_SRC, 40000, V4_DST, 443), ports(L4Class.TCP, 40000, 443)),
                row("TCP, only the ports", PacketBuilder.tcp4(V4_SRC, 40000, V4_DST, 443).truncate(L3 + 24),
                        ports(L4Class.TCP, 40000, 443)),
                row("TCP, 3 bytes", PacketBuilder.tcp4(V4_SRC, 40000, V4_DST, 443).truncate(L3 + 23),
                        malformed("truncated TCP ports")),
                row("SCTP", PacketBuilder.ethernet().ipv4(V4_SRC, V4_DST).sctp(5000, 38412, 7),
                        ports(L4Class.SCTP, 5000, 38412)),
                row("ICMP echo", PacketBuilder.icmp4(8), noPorts(L4Class.ICMP, 8)),
                row("ICMP, only the type", PacketBuilder.icmp4(3).truncate(L3 + 21), noPorts(L4Class.ICMP, 3)),
                row("ICMP, no type", PacketBuilder.icmp4(3).truncate(L3 + 20), malformed("truncated ICMP type")),
                row("ICMPv6 under IPv4", udp4().icmpv6(128, 0), noPorts(L4Class.OTHER, IpProtocols.ICMPV6)),
                row("protocol override 58", udp4().protocol(IpProtocols.ICMPV6), noPorts(L4Class.OTHER, 58)),
                row("GRE", udp4().protocol(47), noPorts(L4Class.OTHER, 47)),
                row("protocol 0 is no extension header", PacketBuilder.ethernet().ipv4(V4_SRC, V4_DST).protocol(0),
                        noPorts(L4Class.OTHER, 0)),
                row("first fragment", udp4().fragment(0, true), ports(L4Class.UDP, 1234, 53)),
                row("DF and MF are no offset", patched(udp4(), L3 + 6, 0x60), ports(L4Class.UDP, 1234, 53)),
                row("later fragment", udp4().fragment(1, false), noPorts(L4Class.FRAGMENT, IpProtocols.UDP)),
                row("later fragment, MF", udp4().fragment(185, true), noPorts(L4Class.FRAGMENT, IpProtocols.UDP)),
                row("last possible offset", udp4().fragment(0x1fff, false), noPorts(L4Class.FRAGMENT, 17)),
                row("later fragment needs no L4 bytes", udp4().fragment(1, false).truncate(L3 + 20),
                        noPorts(L4Class.FRAGMENT, IpProtocols.UDP)),
                row("later ICMP fragment", PacketBuilder.icmp4(8).fragment(2, false),
                        noPorts(L4Class.FRAGMENT, IpProtocols.ICMP)));
    }

    static Stream<Arguments> ipv6() {
        Expected udp53 = ports(L4Class.UDP, 1234, 53);
        return Stream.of(
                row("39 bytes of header", udp6().truncate(L3 + 39), malformed("truncated IPv6 header")),
                row("IPv4 header under 0x86dd", udp4().etherType(EtherTypes.IPV6),
                        malformed("IP version 4 under the IPv6 ethertype")),
                row("UDP", udp6(), udp53),
                row("UDP, no ports", udp6().truncate(L3 + 43), malformed("truncated UDP ports")),
                row("TCP", PacketBuilder.tcp6(V6_SRC, 40000, V6_DST, 22), ports(L4Class.TCP, 40000, 22)),
                row("SCTP", PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST).sctp(1, 2, 3), ports(L4Class.SCTP, 1, 2)),
                row("ICMPv6 echo", PacketBuilder.icmp6(128), noPorts(L4Class.ICMPV6, 128)),
                row("ICMPv6, no type", PacketBuilder.icmp6(128).truncate(L3 + 40),
                        malformed("truncated ICMPV6 type")),
                row("ICMP under IPv6", udp6().icmp(8, 0), noPorts(L4Class.OTHER, IpProtocols.ICMP)),
                row("no next header", PacketBuilder.ethernet().ipv6(V6_SRC, V6_DST),
                        noPorts(L4Class.OTHER, IpProtocols.NO_NEXT_HEADER)),
                row("hop-by-hop", udp6().extensionHeader(hopByHop()), udp53),
                row("routing", udp6().extensionHeader(routing()), udp53),
                row("destination options", udp6().extensionHeader(destinationOptions()), udp53),
                row("AH (4-byte units)", udp6().extensionHeader(authentication()), udp53),
                row("AH of 12 bytes", udp6().extensionHeader(Ipv6ExtensionHeader.of(51, 12)), udp53),
                row("hop-by-hop of 24 bytes", udp6().extensionHeader(Ipv6ExtensionHeader.of(0, 24)), udp53),
                row("routing of 264 bytes", udp6().extensionHeader(Ipv6ExtensionHeader.of(43, 264)), udp53),
                row("first fragment", udp6().fragment(0, true), udp53),
                row("first fragment, then options", udp6().fragment(0, true).extensionHeader(destinationOptions()),
                        udp53),
                row("later fragment", udp6().fragment(1, true),
                        noPorts(L4Class.FRAGMENT, L4Class.FRAGMENT_IPV6_OFFSET + IpProtocols.UDP)),
                row("later fragment needs no L4 bytes", udp6().fragment(1, false).truncate(L3 + 48),
                        noPorts(L4Class.FRAGMENT, L4Class.FRAGMENT_IPV6_OFFSET + IpProtocols.UDP)),
                row("later fragment: its next header, not what follows",
                        udp6().extensionHeader(hopByHop()).fragment(100, false).extensionHeader(destinationOptions()),
                        noPorts(L4Class.FRAGMENT, L4Class.FRAGMENT_IPV6_OFFSET + IpProtocols.DESTINATION_OPTIONS)),
                row("every extension header type", udp6().extensionHeader(hopByHop()).extensionHeader(routing())
                        .fragment(0, false).extensionHeader(authentication()).extensionHeader(destinationOptions()),
                        udp53),
                row("6 extension headers", udp6Behind(6), udp53),
                // the walk stops: classified without ports, its protocol the 7th header's number (the stack delivers it)
                row("7 extension headers", udp6Behind(7), noPorts(L4Class.OTHER, IpProtocols.DESTINATION_OPTIONS)),
                row("6 extension headers, then no next header",
                        udp6Behind(6).protocol(IpProtocols.NO_NEXT_HEADER), noPorts(L4Class.OTHER, 59)),
                row("later fragment as 6th header", udp6Behind(5).fragment(8, false),
                        noPorts(L4Class.FRAGMENT, L4Class.FRAGMENT_IPV6_OFFSET + IpProtocols.UDP)),
                row("later fragment as 7th header", udp6Behind(6).fragment(8, false),
                        noPorts(L4Class.OTHER, IpProtocols.FRAGMENT)),
                row("extension header, 1 byte", udp6().extensionHeader(hopByHop()).truncate(L3 + 41),
                        malformed("truncated IPv6 extension header 0")),
                row("extension header shorter than its length", udp6().extensionHeader(Ipv6ExtensionHeader.of(60, 16))
                        .truncate(L3 + 40 + 15), malformed("truncated IPv6 extension header 60")),
                row("AH shorter than its length", udp6().extensionHeader(authentication()).truncate(L3 + 40 + 23),
                        malformed("truncated IPv6 extension header 51")),
                row("fragment header, 7 bytes", udp6().fragment(0, false).truncate(L3 + 47),
                        malformed("truncated IPv6 fragment header")),
                row("extension header exactly, then no ports", udp6().extensionHeader(routing()).truncate(L3 + 48),
                        malformed("truncated UDP ports")),
                row("extension header numbers after a later fragment", udp6().fragment(1, false).protocol(0),
                        noPorts(L4Class.FRAGMENT, L4Class.FRAGMENT_IPV6_OFFSET)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"ethernet", "ipv4", "ipv6"})
    void classifiesLikeTheDataplane(String name, byte[] frame, Expected expected) {
        ParsedPacket parsed = PacketParser.parse(frame);

        assertThat(parsed.outcome()).as("outcome").isEqualTo(expected.outcome());
        assertThat(parsed.l4Class()).as("l4Class").isEqualTo(expected.l4Class());
        assertThat(parsed.l4Value()).as("l4Value").isEqualTo(expected.l4Value());
        assertThat(parsed.sportIndex()).as("sportIndex").isEqualTo(expected.sportIndex());
        if (expected.reason() == null) {
            assertThat(parsed.malformedReason()).isNull();
        } else {
            assertThat(parsed.malformedReason()).contains(expected.reason());
        }
    }

    /** A boundary: frames cut below {@code end} bytes fail with {@code reason}. */
    private record Boundary(int end, String reason) {
    }

    static Stream<Arguments> truncatedAtEveryByte() {
        // Ethernet 14, two tags 8, IPv4 20 + 4 of options, TCP.
        byte[] tcp4 = PacketBuilder.tcp4(V4_SRC, 1, V4_DST, 2).vlan(EtherTypes.QINQ, 1).vlan(2)
                .ipv4Options(new byte[] {1, 1, 1, 1}).build();
        // Ethernet 14, one tag 4, IPv6 40, hop-by-hop 8, AH 24, fragment 8, UDP.
        byte[] udp6 = udp6().vlan(7).extensionHeader(hopByHop()).extensionHeader(authentication())
                .fragment(0, true).build();
        // Ethernet 14, IPv6 40, destination options 16, ICMPv6.
        byte[] icmp6 = PacketBuilder.icmp6(135).extensionHeader(Ipv6ExtensionHeader.of(60, 16)).build();
        return Stream.of(
                Arguments.of("TCP over IPv4 with options in QinQ", tcp4, List.of(
                        new Boundary(14, "shorter than an Ethernet header"),
                        new Boundary(22, "truncated VLAN tag"),
                        new Boundary(42, "truncated IPv4 header"),
                        new Boundary(46, "truncated IPv4 options"),
                        new Boundary(50, "truncated TCP ports"))),
                Arguments.of("UDP over IPv6 with extension headers", udp6, List.of(
                        new Boundary(14, "shorter than an Ethernet header"),
                        new Boundary(18, "truncated VLAN tag"),
                        new Boundary(58, "truncated IPv6 header"),
                        new Boundary(66, "truncated IPv6 extension header 0"),
                        new Boundary(90, "truncated IPv6 extension header 51"),
                        new Boundary(98, "truncated IPv6 fragment header"),
                        new Boundary(102, "truncated UDP ports"))),
                Arguments.of("ICMPv6 behind destination options", icmp6, List.of(
                        new Boundary(14, "shorter than an Ethernet header"),
                        new Boundary(54, "truncated IPv6 header"),
                        new Boundary(70, "truncated IPv6 extension header 60"),
                        new Boundary(71, "truncated ICMPV6 type"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void truncatedAtEveryByte(String name, byte[] frame, List<Boundary> boundaries) {
        int complete = boundaries.get(boundaries.size() - 1).end();
        for (int length = 0; length <= frame.length; length++) {
            ParsedPacket parsed = PacketParser.parse(Arrays.copyOf(frame, length));
            int cut = length;
            String expectedReason = boundaries.stream().filter(b -> cut < b.end()).findFirst()
                    .map(Boundary::reason).orElse(null);
            if (length < complete) {
                assertThat(parsed.outcome()).as("length %d", length).isEqualTo(ParseOutcome.MALFORMED);
                assertThat(parsed.malformedReason()).as("length %d", length).contains(expectedReason);
            } else {
                assertThat(parsed.outcome()).as("length %d", length).isEqualTo(ParseOutcome.IP);
                assertThat(parsed).as("length %d", length)
                        .isEqualTo(withLength(PacketParser.parse(frame), length));
            }
        }
    }

    private static ParsedPacket withLength(ParsedPacket p, int length) {
        return new ParsedPacket(p.outcome(), p.malformedReason(), length, p.vlanIds(), p.etherType(),
                p.family(), p.source(), p.destination(), p.protocol(), p.laterFragment(), p.l4Class(),
                p.l4Value(), p.sportIndex(), p.sourcePort(), p.destinationPort(), p.icmpType());
    }

    @Test
    void ipv4PacketFields() throws Exception {
        ParsedPacket parsed = PacketParser.parse(udp4().vlan(EtherTypes.QINQ, 100).vlan(4095).build());

        assertThat(parsed.vlanIds()).containsExactly(100, 4095);
        assertThat(parsed.etherType()).isEqualTo(EtherTypes.IPV4);
        assertThat(parsed.family()).isEqualTo(4);
        assertThat(parsed.source()).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1);
        assertThat(parsed.sourceAddress()).isEqualTo(InetAddress.getByName(V4_SRC));
        assertThat(parsed.destinationAddress()).isEqualTo(InetAddress.getByName(V4_DST));
        assertThat(parsed.protocol()).isEqualTo(IpProtocols.UDP);
        assertThat(parsed.laterFragment()).isFalse();
        assertThat(parsed.sourcePort()).isEqualTo(1234);
        assertThat(parsed.destinationPort()).isEqualTo(53);
        assertThat(parsed.icmpType()).isEqualTo(ABSENT);
        assertThat(parsed.l4Index()).isEqualTo(65536 + 53);
        assertThat(parsed.sportIndex()).isEqualTo(65536 + 1234);
    }

    @Test
    void ipv6PacketFields() throws Exception {
        ParsedPacket parsed = PacketParser.parse(PacketBuilder.icmp6(135).ipv6("fe80::1", "ff02::1:ff00:1")
                .extensionHeader(hopByHop()).build());

        assertThat(parsed.vlanIds()).isEmpty();
        assertThat(parsed.etherType()).isEqualTo(EtherTypes.IPV6);
        assertThat(parsed.family()).isEqualTo(6);
        assertThat(parsed.sourceAddress()).isEqualTo(InetAddress.getByName("fe80::1"));
        assertThat(parsed.destination()).isEqualTo(InetAddress.getByName("ff02::1:ff00:1").getAddress());
        assertThat(parsed.protocol()).isEqualTo(IpProtocols.ICMPV6);
        assertThat(parsed.icmpType()).isEqualTo(135);
        assertThat(parsed.sourcePort()).isEqualTo(ABSENT);
        assertThat(parsed.l4Index()).isEqualTo(4 * 65536 + 135);
    }

    @Test
    void laterFragmentHasNoPortsButKeepsItsProtocol() {
        ParsedPacket parsed = PacketParser.parse(udp6().fragment(3, true).build());

        assertThat(parsed.laterFragment()).isTrue();
        assertThat(parsed.protocol()).isEqualTo(IpProtocols.UDP);
        assertThat(parsed.sourcePort()).isEqualTo(ABSENT);
        assertThat(parsed.l4Index()).isEqualTo(6 * 65536 + 256 + 17);
    }

    @Test
    void nonIpFrameHasNoIpFields() {
        ParsedPacket parsed = PacketParser.parse(PacketBuilder.ethernet().vlan(5).lldp().build());

        assertThat(parsed.outcome()).isEqualTo(ParseOutcome.NON_IP);
        assertThat(parsed.vlanIds()).containsExactly(5);
        assertThat(parsed.etherType()).isEqualTo(EtherTypes.LLDP);
        assertThat(parsed.family()).isZero();
        assertThat(parsed.source()).isNull();
        assertThat(parsed.sourceAddress()).isNull();
        assertThat(parsed.protocol()).isEqualTo(ABSENT);
        assertThat(parsed.l4Index()).isEqualTo(ABSENT);
    }

    @Test
    void malformedKeepsWhatWasParsedBeforeTheFault() {
        ParsedPacket parsed = PacketParser.parse(udp4().vlan(9).truncate(14 + 4 + 20 + 3).build());

        assertThat(parsed.outcome()).isEqualTo(ParseOutcome.MALFORMED);
        assertThat(parsed.vlanIds()).containsExactly(9);
        assertThat(parsed.family()).isEqualTo(4);
        assertThat(parsed.protocol()).isEqualTo(IpProtocols.UDP);
        assertThat(parsed.l4Class()).isNull();
        assertThat(parsed.sportIndex()).isEqualTo(ABSENT);
    }

    @Test
    void thirdTagLeavesTheTagAsEtherType() {
        ParsedPacket parsed = PacketParser.parse(udp4().vlan(1).vlan(2).vlan(EtherTypes.QINQ, 3).build());

        assertThat(parsed.vlanIds()).containsExactly(1, 2);
        assertThat(parsed.etherType()).isEqualTo(EtherTypes.QINQ);
    }

    @Test
    void paddingCountsInTheLengthButNotInParsing() {
        byte[] padded = udp4().build();
        byte[] unpadded = udp4().minimumFrameSize(0).build();

        assertThat(PacketParser.parse(padded).length()).isEqualTo(60);
        assertThat(PacketParser.parse(unpadded).length()).isEqualTo(42);
        assertThat(withLength(PacketParser.parse(padded), 42)).isEqualTo(PacketParser.parse(unpadded));
    }

    @Test
    void vlanIdIgnoresPriorityAndDropEligibleBits() {
        byte[] frame = udp4().vlan(0x123).build();
        frame[14] |= (byte) 0xf0; // PCP 7, DEI 1

        assertThat(PacketParser.parse(frame).vlanIds()).containsExactly(0x123);
    }

    @Test
    void parsesOfTheSameFrameAreEqual() {
        byte[] frame = PacketBuilder.tcp6(V6_SRC, 1, V6_DST, 2).vlan(3).build();

        assertThat(PacketParser.parse(frame)).isEqualTo(PacketParser.parse(frame.clone()))
                .hasSameHashCodeAs(PacketParser.parse(frame.clone()));
        assertThat(PacketParser.parse(frame).toString()).contains("2001:db8::1", "l4=TCP/2");
    }

    @Test
    void l4ClassesHaveTheKernelsValues() {
        assertThat(L4Class.values()).containsExactly(L4Class.TCP, L4Class.UDP, L4Class.SCTP,
                L4Class.ICMP, L4Class.ICMPV6, L4Class.OTHER, L4Class.FRAGMENT);
        assertThat(L4Class.FRAGMENT.index(17)).isEqualTo(6 * 65536 + 17);
        assertThat(SPORT_NONE).isEqualTo(3 * 65536).isEqualTo(L4Class.SCTP.index(65535) + 1);
    }
}
