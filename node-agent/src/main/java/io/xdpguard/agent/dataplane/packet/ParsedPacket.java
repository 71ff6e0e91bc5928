package io.xdpguard.agent.dataplane.packet;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What the dataplane sees in a frame, as stated by {@link PacketParser}. Fields describe what was
 * parsed before the outcome was decided; an integer field that was not reached is
 * {@link #ABSENT}, an object field {@code null}.
 *
 * @param outcome         IP, NON_IP or MALFORMED
 * @param malformedReason for humans, e.g. "truncated IPv4 header"; {@code null} unless MALFORMED
 * @param length          the frame length in bytes
 * @param vlanIds         the VLAN ids of the tags stepped over, outermost first
 * @param etherType       the last ethertype read: after the VLAN tags, or the tag that made the
 *                        frame malformed; ABSENT if the Ethernet header is truncated
 * @param family          4 or 6 once the IP header is accepted, else 0
 * @param source          16 bytes, IPv4 in the IPv4-mapped form ::ffff:a.b.c.d; {@code null}
 *                        when family is 0
 * @param destination     like source
 * @param protocol        the protocol of the transport header found (after IPv6 extension
 *                        headers; a later fragment's next header)
 * @param laterFragment   a fragment with a non-zero offset: no L4 header
 * @param l4Class         the L4 key class; {@code null} unless outcome is IP
 * @param l4Value         destination port, ICMP type or protocol, per {@link L4Class}
 * @param sportIndex      {@code class * 65536 + source port} for TCP/UDP/SCTP, else
 *                        {@link L4Class#SPORT_NONE}; ABSENT unless outcome is IP
 * @param sourcePort      TCP/UDP/SCTP only
 * @param destinationPort TCP/UDP/SCTP only
 * @param icmpType        ICMP/ICMPv6 only
 */
public record ParsedPacket(
        ParseOutcome outcome,
        String malformedReason,
        int length,
        List<Integer> vlanIds,
        int etherType,
        int family,
        byte[] source,
        byte[] destination,
        int protocol,
        boolean laterFragment,
        L4Class l4Class,
        int l4Value,
        int sportIndex,
        int sourcePort,
        int destinationPort,
        int icmpType) {

    /** An integer field the parser did not reach. */
    public static final int ABSENT = -1;

    public ParsedPacket {
        Objects.requireNonNull(outcome, "outcome");
        vlanIds = List.copyOf(vlanIds);
        source = source == null ? null : source.clone();
        destination = destination == null ? null : destination.clone();
    }

    @Override
    public byte[] source() {
        return source == null ? null : source.clone();
    }

    @Override
    public byte[] destination() {
        return destination == null ? null : destination.clone();
    }

    /** The source as an address: an Inet4Address for IPv4; {@code null} when family is 0. */
    public InetAddress sourceAddress() {
        return toInetAddress(source);
    }

    /** The destination as an address: an Inet4Address for IPv4; {@code null} when family is 0. */
    public InetAddress destinationAddress() {
        return toInetAddress(destination);
    }

    /** The L4 array index {@code class * 65536 + value}; ABSENT unless outcome is IP. */
    public int l4Index() {
        return l4Class == null ? ABSENT : l4Class.index(l4Value);
    }

    private static InetAddress toInetAddress(byte[] address) {
        if (address == null) {
            return null;
        }
        try {
            // Java turns the IPv4-mapped form into an Inet4Address by itself.
            return InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are always an address", e);
        }
    }

    // Arrays compare by content, so that two parses of the same frame are equal.
    @Override
    public boolean equals(Object o) {
        return o instanceof ParsedPacket p
                && outcome == p.outcome
                && Objects.equals(malformedReason, p.malformedReason)
                && length == p.length
                && vlanIds.equals(p.vlanIds)
                && etherType == p.etherType
                && family == p.family
                && Arrays.equals(source, p.source)
                && Arrays.equals(destination, p.destination)
                && protocol == p.protocol
                && laterFragment == p.laterFragment
                && l4Class == p.l4Class
                && l4Value == p.l4Value
                && sportIndex == p.sportIndex
                && sourcePort == p.sourcePort
                && destinationPort == p.destinationPort
                && icmpType == p.icmpType;
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(outcome, malformedReason, length, vlanIds, etherType, family, protocol,
                laterFragment, l4Class, l4Value, sportIndex, sourcePort, destinationPort, icmpType);
        return 31 * (31 * h + Arrays.hashCode(source)) + Arrays.hashCode(destination);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(outcome.name());
        if (malformedReason != null) {
            s.append(" (").append(malformedReason).append(')');
        }
        s.append(" length=").append(length);
        if (!vlanIds.isEmpty()) {
            s.append(" vlans=").append(vlanIds);
        }
        if (etherType != ABSENT) {
            s.append(String.format(" ethertype=0x%04x", etherType));
        }
        if (family != 0) {
            s.append(" ipv").append(family).append(' ').append(AddressText.of(source, family))
                    .append(" > ").append(AddressText.of(destination, family));
        }
        if (protocol != ABSENT) {
            s.append(" protocol=").append(protocol);
        }
        if (laterFragment) {
            s.append(" later-fragment");
        }
        if (sourcePort != ABSENT) {
            s.append(" ports=").append(sourcePort).append('>').append(destinationPort);
        }
        if (icmpType != ABSENT) {
            s.append(" icmp-type=").append(icmpType);
        }
        if (l4Class != null) {
            s.append(" l4=").append(l4Class).append('/').append(l4Value)
                    .append(" sportIndex=").append(sportIndex);
        }
        return s.toString();
    }
}
