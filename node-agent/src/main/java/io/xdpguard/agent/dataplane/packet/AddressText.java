package io.xdpguard.agent.dataplane.packet;

import io.xdpguard.api.v1alpha1.spec.CidrText;
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
            return CidrText.ipv4(address, 0, -1);
        }
        if (address.length != 16) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + address.length);
        }
        if (isIpv4Mapped(address)) {
            return "::ffff:" + CidrText.ipv4(address, 12, -1);
        }
        return CidrText.ipv6(address, 0, -1);
    }

    private static boolean isIpv4Mapped(byte[] address) {
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return address[10] == (byte) 0xff && address[11] == (byte) 0xff;
    }

    /**
     * An address in the 16-byte form the parser and the kernel use, where IPv4 is stored IPv4-mapped: {@code family}
     * 4 prints the IPv4 address, 6 the IPv6 one (an IPv6 packet from {@code ::ffff:192.0.2.1} stays IPv6).
     */
    public static String of(byte[] address16, int family) {
        return family == 4 && address16.length == 16 ? CidrText.ipv4(address16, 12, -1) : of(address16);
    }

    /** An Inet6Address for 16 bytes even when they are IPv4-mapped (InetAddress.getByAddress makes those IPv4). */
    public static InetAddress inet(byte[] address) {
        try {
            return address.length == 16 ? Inet6Address.getByAddress(null, address, -1) : InetAddress.getByAddress(address);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + address.length, e);
        }
    }
}
