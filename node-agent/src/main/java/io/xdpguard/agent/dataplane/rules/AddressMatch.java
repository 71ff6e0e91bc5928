package io.xdpguard.agent.dataplane.rules;

import inet.ipaddr.IPAddress;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv6.IPv6Address;
import io.xdpguard.api.validation.ParsedCidr;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;

/**
 * The addresses a rule matches in one dimension. {@code any} is the API's empty list; a rule whose only addresses
 * come from empty CIDR sets has {@code any == false} and no prefixes: it matches nothing.
 *
 * <p>Prefixes are kept packed (IPv4: 4 bytes and a length; IPv6: 16 bytes and a length), IPv4 ones first, each
 * family in the order given: a blocklist of a million CIDRs costs ~5-17 MB here instead of ~400 MB as
 * {@link IPAddress} objects. {@link #prefixes()} is a view that creates the {@link IPAddress}es on access; the
 * compiler reads the packed form.
 */
public final class AddressMatch {
    public static final AddressMatch ANY = new AddressMatch(true, new int[0], new byte[0], new byte[0], new byte[0]);

    private final boolean any;
    private final int[] v4;
    private final byte[] v4Lengths;
    private final byte[] v6;
    private final byte[] v6Lengths;

    private AddressMatch(boolean any, int[] v4, byte[] v4Lengths, byte[] v6, byte[] v6Lengths) {
        this.any = any;
        this.v4 = v4;
        this.v4Lengths = v4Lengths;
        this.v6 = v6;
        this.v6Lengths = v6Lengths;
    }

    /** The given prefixes (each with its prefix length, as {@code Cidrs.parse} returns them). */
    public static AddressMatch of(List<IPAddress> prefixes) {
        int n4 = 0;
        for (IPAddress p : prefixes) {
            n4 += p.isIPv4() ? 1 : 0;
        }
        int[] v4 = new int[n4];
        byte[] v4Lengths = new byte[n4];
        byte[] v6 = new byte[16 * (prefixes.size() - n4)];
        byte[] v6Lengths = new byte[prefixes.size() - n4];
        int i4 = 0;
        int i6 = 0;
        for (IPAddress p : prefixes) {
            int length = p.getNetworkPrefixLength() == null ? p.getBitCount() : p.getNetworkPrefixLength();
            if (p.isIPv4()) {
                v4[i4] = p.toIPv4().intValue();
                v4Lengths[i4++] = (byte) length;
            } else {
                System.arraycopy(p.getBytes(), 0, v6, 16 * i6, 16);
                v6Lengths[i6++] = (byte) length;
            }
        }
        return new AddressMatch(false, v4, v4Lengths, v6, v6Lengths);
    }

    /**
     * The prefixes the CIDR texts name, parsed straight into the packed form ({@link ParsedCidr}): no
     * {@link IPAddress} per entry, for the million entries of XdpCidrSets.
     *
     * @throws IllegalArgumentException for the first text that is not a CIDR, with {@code Cidrs.parse}'s message
     */
    public static AddressMatch parse(List<String> cidrs) {
        return parseAll(List.of(cidrs));
    }

    /** {@link #parse} of the lists one after the other, into one match. */
    public static AddressMatch parseAll(List<List<String>> lists) {
        int n4 = 0;
        int n6 = 0;
        for (List<String> cidrs : lists) {
            for (String text : cidrs) {
                // Only a text with a colon can be IPv6, and every IPv6 text has one.
                if (text != null && text.indexOf(':') < 0) {
                    n4++;
                } else {
                    n6++;
                }
            }
        }
        int[] v4 = new int[n4];
        byte[] v4Lengths = new byte[n4];
        byte[] v6 = new byte[16 * n6];
        byte[] v6Lengths = new byte[n6];
        ParsedCidr cidr = new ParsedCidr();
        int i4 = 0;
        int i6 = 0;
        for (List<String> cidrs : lists) {
            for (String text : cidrs) {
                cidr.parse(text);
                if (cidr.isIpv4()) {
                    v4[i4] = cidr.ipv4();
                    v4Lengths[i4++] = (byte) cidr.length();
                } else {
                    cidr.copyIpv6(v6, 16 * i6);
                    v6Lengths[i6++] = (byte) cidr.length();
                }
            }
        }
        return new AddressMatch(false, v4, v4Lengths, v6, v6Lengths);
    }

    public boolean any() {
        return any;
    }

    /** Number of prefixes. */
    public int size() {
        return v4.length + v6Lengths.length;
    }

    /** IPv4 prefixes: {@link #ipv4(int)} and {@link #ipv4Length(int)} for i below this. */
    public int ipv4Count() {
        return v4.length;
    }

    public int ipv4(int i) {
        return v4[i];
    }

    public int ipv4Length(int i) {
        return v4Lengths[i] & 0xff;
    }

    public int ipv6Count() {
        return v6Lengths.length;
    }

    /** The 16 address bytes of IPv6 prefix i (a new array). */
    public byte[] ipv6(int i) {
        return Arrays.copyOfRange(v6, 16 * i, 16 * i + 16);
    }

    public int ipv6Length(int i) {
        return v6Lengths[i] & 0xff;
    }

    /** The prefixes as {@link IPAddress}es, IPv4 first: a view that creates each one when it is read. */
    public List<IPAddress> prefixes() {
        return new AbstractList<>() {
            @Override
            public IPAddress get(int i) {
                if (i < v4.length) {
                    return new IPv4Address(v4[i], ipv4Length(i)).toPrefixBlock();
                }
                return new IPv6Address(ipv6(i - v4.length), ipv6Length(i - v4.length)).toPrefixBlock();
            }

            @Override
            public int size() {
                return AddressMatch.this.size();
            }
        };
    }

    /** Whether the address is in one of the prefixes. */
    public boolean matches(IPAddress address) {
        if (any) {
            return true;
        }
        byte[] bytes = address.getBytes();
        if (address.isIPv4()) {
            int a = address.toIPv4().intValue();
            for (int i = 0; i < v4.length; i++) {
                int length = ipv4Length(i);
                int mask = length == 0 ? 0 : -1 << (32 - length);
                if ((a & mask) == (v4[i] & mask)) {
                    return true;
                }
            }
            return false;
        }
        for (int i = 0; i < v6Lengths.length; i++) {
            if (within(bytes, v6, 16 * i, ipv6Length(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean within(byte[] address, byte[] prefixes, int offset, int length) {
        int full = length / 8;
        for (int b = 0; b < full; b++) {
            if (address[b] != prefixes[offset + b]) {
                return false;
            }
        }
        int rest = length % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (address[full] & mask) == (prefixes[offset + full] & mask);
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof AddressMatch m && any == m.any && Arrays.equals(v4, m.v4)
                && Arrays.equals(v4Lengths, m.v4Lengths) && Arrays.equals(v6, m.v6) && Arrays.equals(v6Lengths, m.v6Lengths);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Boolean.hashCode(any) + Arrays.hashCode(v4)) + Arrays.hashCode(v6);
    }

    @Override
    public String toString() {
        if (any) {
            return "AddressMatch[any]";
        }
        List<IPAddress> all = prefixes();
        return "AddressMatch[" + (size() <= 8 ? all.toString() : all.subList(0, 8) + " and " + (size() - 8) + " more") + "]";
    }
}
