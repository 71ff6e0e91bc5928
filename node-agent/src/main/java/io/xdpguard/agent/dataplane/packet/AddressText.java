package io.xdpguard.agent.dataplane.packet;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Addresses as shown to people (trace output, drop samples, logs): IPv4 dotted, IPv6 in the canonical text of
 * RFC 5952 ({@code 2001:db8::1}: lowercase, no leading zeros, the longest run of two or more zero groups
 * compressed, the leftmost on a tie, and an IPv4-mapped address as {@code ::ffff:192.0.2.1}). Java's
 * {@code getHostAddress} writes every group ({@code 2001:db8:0:0:0:0:0:1}) and turns an IPv4-mapped address into
 * plain IPv4.
 */
public final class AddressText {
    private AddressText() {
    }

    /** An Inet6Address stays IPv6 even when IPv4-mapped; null for null. */
    public static String of(InetAddress address) {
        return address == null ? null : of(address.getAddress());
    }

    /** 4 bytes (IPv4) or 16 bytes (IPv6). */
    public static String of(byte[] address) {
        if (address.length == 4) {
            return dotted(address, 0);
        }
        if (address.length != 16) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + address.length);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (address[2 * i] & 0xff) << 8 | (address[2 * i + 1] & 0xff);
        }
        if (groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0 && groups[5] == 0xffff) {
            return "::ffff:" + dotted(address, 12);
        }
        int runStart = -1;
        int runLength = 1; // a single zero group is never compressed
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > runLength) { // strictly longer: the leftmost run wins a tie
                runStart = i;
                runLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == runStart) {
                text.append("::");
                i += runLength - 1;
                continue;
            }
            if (i > 0 && i != runStart + runLength) {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    /**
     * An address in the 16-byte form the parser and the kernel use, where IPv4 is stored IPv4-mapped: {@code family}
     * 4 prints the IPv4 address, 6 the IPv6 one (an IPv6 packet from {@code ::ffff:192.0.2.1} stays IPv6).
     */
    public static String of(byte[] address16, int family) {
        return family == 4 && address16.length == 16 ? dotted(address16, 12) : of(address16);
    }

    /** An Inet6Address for 16 bytes even when they are IPv4-mapped (InetAddress.getByAddress makes those IPv4). */
    public static InetAddress inet(byte[] address) {
        try {
            return address.length == 16 ? Inet6Address.getByAddress(null, address, -1) : InetAddress.getByAddress(address);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + address.length, e);
        }
    }

    private static String dotted(byte[] address, int offset) {
        return (address[offset] & 0xff) + "." + (address[offset + 1] & 0xff) + "." + (address[offset + 2] & 0xff) + "."
                + (address[offset + 3] & 0xff);
    }
}
