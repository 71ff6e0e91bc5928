package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.Reason;
import io.xdpguard.agent.dataplane.packet.AddressText;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One sampled packet that a rule dropped (or, audited, would have dropped), as the kernel reported it
 * (struct xg_sample): what answers "why is my traffic dropped?".
 *
 * @param ruleKey     "filter/rule" of the rule that matched, or null when the counter id is unknown
 * @param sourcePort  TCP/UDP/SCTP source port, or the ICMP type; 0 otherwise
 */
public record DropSample(long timestampNs, int ifindex, int counterId, String ruleKey, Reason reason, int family,
        int protocol, InetAddress source, InetAddress destination, int sourcePort, int destinationPort) {

    static final int SIZE = 64;

    /** Decodes one ring-buffer record; {@code ruleKeys} maps counter ids to rule keys. */
    static DropSample decode(byte[] record, java.util.function.IntFunction<String> ruleKeys) {
        ByteBuffer b = ByteBuffer.wrap(record).order(ByteOrder.nativeOrder());
        int counterId = b.getInt(16);
        int reason = b.getInt(20);
        int family = b.get(24) & 0xff;
        return new DropSample(b.getLong(0), b.getInt(8), counterId, ruleKeys.apply(counterId),
                reason >= 0 && reason < Reason.values().length ? Reason.values()[reason] : null, family,
                b.get(25) & 0xff, address(record, 32, family), address(record, 48, family),
                b.getShort(26) & 0xffff, b.getShort(28) & 0xffff);
    }

    /** IPv4 as an Inet4Address; IPv6 as an Inet6Address, also when IPv4-mapped (it came in an IPv6 header). */
    private static InetAddress address(byte[] record, int offset, int family) {
        return AddressText.inet(family == 4 ? Arrays.copyOfRange(record, offset + 12, offset + 16)
                : Arrays.copyOfRange(record, offset, offset + 16));
    }
}
