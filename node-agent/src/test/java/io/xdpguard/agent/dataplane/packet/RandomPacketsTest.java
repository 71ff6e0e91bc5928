package io.xdpguard.agent.dataplane.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RandomPacketsTest {

    private static final List<Integer> PORTS = List.of(53, 443, 8);

    private static List<InetAddress> pool() throws Exception {
        return List.of(InetAddress.getByName("10.1.2.3"), InetAddress.getByName("2001:db8::53"));
    }

    private static List<byte[]> frames(long seed, int count) throws Exception {
        RandomPackets packets = new RandomPackets(new Random(seed), pool(), PORTS);
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            frames.add(packets.next());
        }
        return frames;
    }

    /** The property: whatever the frame, and whatever prefix of it, the parser returns a consistent result. */
    @Test
    void parserNeverThrowsOnRandomFramesOrTheirPrefixes() {
        Random random = new Random(20240601);
        RandomPackets packets = new RandomPackets(random);
        for (int i = 0; i < 1000; i++) {
            byte[] frame = packets.next();
            byte[] prefix = Arrays.copyOf(frame, random.nextInt(frame.length + 1));

            assertConsistent(frame, PacketParser.parse(frame));
            assertConsistent(prefix, PacketParser.parse(prefix));
        }
    }

    private static void assertConsistent(byte[] frame, ParsedPacket parsed) {
        String hex = PacketBuilder.toHex(frame);
        assertThat(parsed.length()).as(hex).isEqualTo(frame.length);
        assertThat(parsed.malformedReason() != null).as(hex)
                .isEqualTo(parsed.outcome() == ParseOutcome.MALFORMED);
        assertThat(parsed.vlanIds()).as(hex).hasSizeLessThanOrEqualTo(PacketParser.MAX_VLAN_TAGS);
        if (parsed.outcome() != ParseOutcome.IP) {
            assertThat(parsed.l4Class()).as(hex).isNull();
            return;
        }
        assertThat(parsed.family()).as(hex).isIn(4, 6);
        assertThat(parsed.source()).as(hex).hasSize(16);
        assertThat(parsed.l4Value()).as(hex).isBetween(0, 65535);
        if (parsed.l4Class().hasPorts()) {
            assertThat(parsed.sportIndex()).as(hex).isEqualTo(parsed.l4Class().index(parsed.sourcePort()));
        } else {
            assertThat(parsed.sportIndex()).as(hex).isEqualTo(L4Class.SPORT_NONE);
        }
        assertThat(parsed.laterFragment()).as(hex).isEqualTo(parsed.l4Class() == L4Class.FRAGMENT);
    }

    @Test
    void sameSeedSameFrames() throws Exception {
        List<byte[]> first = frames(7, 200);
        List<byte[]> second = frames(7, 200);

        assertThat(IntStream.range(0, 200)).allSatisfy(i -> assertThat(second.get(i)).isEqualTo(first.get(i)));
        assertThat(frames(8, 200)).map(Arrays::toString)
                .isNotEqualTo(first.stream().map(Arrays::toString).toList());
    }

    @Test
    void reachesEveryOutcomeClassAndLimit() throws Exception {
        List<ParsedPacket> parsed = frames(1, 3000).stream().map(PacketParser::parse).toList();
        Set<L4Class> classes = EnumSet.noneOf(L4Class.class);
        parsed.stream().filter(p -> p.l4Class() != null).forEach(p -> classes.add(p.l4Class()));

        assertThat(parsed).extracting(ParsedPacket::outcome).contains(ParseOutcome.values());
        assertThat(classes).containsExactlyInAnyOrder(L4Class.values());
        assertThat(parsed).extracting(ParsedPacket::malformedReason).contains(
                "more than 2 VLAN tags", "truncated IPv4 options");
        assertThat(parsed).as("the IPv6 walk limit: classified without ports, an extension header as protocol")
                .filteredOn(p -> p.family() == 6 && p.l4Class() == L4Class.OTHER
                        && IpProtocols.isIpv6ExtensionHeader(p.protocol())).isNotEmpty();
        assertThat(parsed).filteredOn(p -> p.vlanIds().size() == 2 && p.outcome() == ParseOutcome.IP).isNotEmpty();
        assertThat(parsed).filteredOn(p -> p.family() == 4 && p.l4Class() == L4Class.OTHER
                && p.protocol() == IpProtocols.ICMPV6).isNotEmpty();
    }

    @Test
    void favoursThePoolsAndNeverGoesBelowAnEthernetHeader() throws Exception {
        List<byte[]> frames = frames(3, 1000);
        List<ParsedPacket> parsed = frames.stream().map(PacketParser::parse).toList();
        InetAddress v4 = pool().get(0);
        InetAddress v6 = pool().get(1);

        assertThat(frames).allSatisfy(f -> assertThat(f.length).isGreaterThanOrEqualTo(14));
        assertThat(parsed).filteredOn(p -> v4.equals(p.destinationAddress())).hasSizeGreaterThan(50);
        assertThat(parsed).filteredOn(p -> v6.equals(p.sourceAddress())).hasSizeGreaterThan(50);
        assertThat(parsed).filteredOn(p -> p.destinationPort() == 443).hasSizeGreaterThan(30);
        assertThat(parsed).filteredOn(p -> p.icmpType() == 8).isNotEmpty();
    }
}
