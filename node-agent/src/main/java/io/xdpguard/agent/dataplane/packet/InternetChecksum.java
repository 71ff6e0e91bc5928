package io.xdpguard.agent.dataplane.packet;

import java.nio.ByteBuffer;

/** The RFC 1071 ones'-complement checksum of IPv4 headers, TCP, UDP, ICMP and ICMPv6. */
final class InternetChecksum {

    private InternetChecksum() {
    }

    static int of(byte[] data) {
        return fold(sum(0, data));
    }

    /**
     * Over a TCP/UDP/ICMPv6 segment and the pseudo-header of its IPv4 (4-byte addresses) or IPv6
     * (16-byte addresses) packet.
     */
    static int withPseudoHeader(byte[] source, byte[] destination, int protocol, byte[] segment) {
        ByteBuffer pseudo;
        if (source.length == 4) {
            pseudo = ByteBuffer.allocate(12).put(source).put(destination)
                    .put((byte) 0).put((byte) protocol).putShort((short) segment.length);
        } else {
            pseudo = ByteBuffer.allocate(40).put(source).put(destination)
                    .putInt(segment.length).put(new byte[3]).put((byte) protocol);
        }
        return fold(sum(sum(0, pseudo.array()), segment));
    }

    // An odd trailing byte counts as the high byte of a word padded with zero.
    private static long sum(long sum, byte[] data) {
        for (int i = 0; i < data.length; i += 2) {
            int high = (data[i] & 0xff) << 8;
            int low = i + 1 < data.length ? data[i + 1] & 0xff : 0;
            sum += high | low;
        }
        return sum;
    }

    private static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) ~sum & 0xffff;
    }
}
