package io.xdpguard.agent.dataplane.rules;

import inet.ipaddr.IPAddress;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv6.IPv6Address;
import io.xdpguard.api.validation.ParsedCidr;
import io.xdpguard.api.v1alpha1.spec.CompactCidrList;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The addresses a rule matches in one dimension. {@code any} is the API's empty list; a rule whose only addresses
 * come from empty CIDR sets has {@code any == false} and no prefixes: it matches nothing.
 *
 * <p>Prefixes are kept packed (IPv4: 4 bytes and a length; IPv6: 16 bytes and a length), each family in the order
 * given: a blocklist of a million CIDRs costs ~5-17 MB here instead of ~400 MB as {@link IPAddress} objects. A
 * {@link CompactCidrList} whose every element is already stored as bits is not copied at all: the match reads the
 * informer's list, so the agent holds a million CIDRs once, not twice. {@link #prefixes()} creates the
 * {@link IPAddress}es on access; the compiler reads {@link #forEachPrefix}.
 */
public final class AddressMatch {
    public static final AddressMatch ANY = new AddressMatch(true, new int[0], new byte[0], new byte[0], new byte[0], List.of());

    private final boolean any;
    private final int[] v4;
    private final byte[] v4Lengths;
    private final byte[] v6;
    private final byte[] v6Lengths;
    /** Lists read in place, after the prefixes above. */
    private final List<CompactCidrList> packedLists;
    private final int ipv4Count;
    private final int ipv6Count;

    private AddressMatch(boolean any, int[] v4, byte[] v4Lengths, byte[] v6, byte[] v6Lengths,
            List<CompactCidrList> packedLists) {
        this.any = any;
        this.v4 = v4;
        this.v4Lengths = v4Lengths;
        this.v6 = v6;
        this.v6Lengths = v6Lengths;
        this.packedLists = packedLists;
        this.ipv4Count = v4.length + packedLists.stream().mapToInt(CompactCidrList::ipv4Count).sum();
        this.ipv6Count = v6Lengths.length + packedLists.stream().mapToInt(CompactCidrList::ipv6Count).sum();
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
        return new AddressMatch(false, v4, v4Lengths, v6, v6Lengths, List.of());
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

    /**
     * {@link #parse} of the lists one after the other, into one match. A {@link CompactCidrList} of bits only is
     * kept as it is (its prefixes are exactly what parsing its texts gives); the others are parsed.
     */
    public static AddressMatch parseAll(List<List<String>> lists) {
        List<CompactCidrList> packedLists = new ArrayList<>();
        int n4 = 0;
        int n6 = 0;
        for (List<String> cidrs : lists) {
            if (readInPlace(cidrs)) {
                packedLists.add((CompactCidrList) cidrs);
                continue;
            }
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
            if (readInPlace(cidrs)) {
                continue;
            }
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
        return new AddressMatch(false, v4, v4Lengths, v6, v6Lengths, List.copyOf(packedLists));
    }

    /** A list whose every CIDR is stored as bits: its prefixes are exactly what parsing its texts gives. */
    private static boolean readInPlace(List<String> cidrs) {
        return cidrs instanceof CompactCidrList compact && compact.allPacked();
    }

    public boolean any() {
        return any;
    }

    /** Whether some prefixes are read from a {@link CompactCidrList} in place (see {@link #parseAll}). */
    boolean readsListsInPlace() {
        return !packedLists.isEmpty();
    }

    /** Number of prefixes. */
    public int size() {
        return ipv4Count + ipv6Count;
    }

    public int ipv4Count() {
        return ipv4Count;
    }

    public int ipv6Count() {
        return ipv6Count;
    }

    /**
     * Every prefix: the parsed ones, then those of the lists read in place. Within a family the order is fixed by
     * what the match was built from; the families may interleave.
     */
    public void forEachPrefix(CompactCidrList.PrefixVisitor visitor) {
        for (int i = 0; i < v4.length; i++) {
            visitor.ipv4(v4[i], v4Lengths[i] & 0xff);
        }
        for (int i = 0; i < v6Lengths.length; i++) {
            visitor.ipv6(v6, 16 * i, v6Lengths[i] & 0xff);
        }
        for (CompactCidrList list : packedLists) {
            list.forEachPrefix(visitor);
        }
    }

    /** The prefixes as {@link IPAddress}es, IPv4 first (for tests and messages: one object per prefix). */
    public List<IPAddress> prefixes() {
        return prefixes(Integer.MAX_VALUE);
    }

    /** The first {@code limit} prefixes of each family. */
    private List<IPAddress> prefixes(int limit) {
        List<IPAddress> ipv4 = new ArrayList<>();
        List<IPAddress> ipv6 = new ArrayList<>();
        forEachPrefix(new CompactCidrList.PrefixVisitor() {
            @Override
            public void ipv4(int address, int length) {
                if (ipv4.size() < limit) {
                    ipv4.add(new IPv4Address(address, length).toPrefixBlock());
                }
            }

            @Override
            public void ipv6(byte[] address, int offset, int length) {
                if (ipv6.size() < limit) {
                    ipv6.add(new IPv6Address(Arrays.copyOfRange(address, offset, offset + 16), length).toPrefixBlock());
                }
            }
        });
        ipv4.addAll(ipv6);
        return ipv4;
    }

    /** Whether the address is in one of the prefixes. */
    public boolean matches(IPAddress address) {
        if (any) {
            return true;
        }
        byte[] bytes = address.getBytes();
        boolean[] found = {false};
        forEachPrefix(new CompactCidrList.PrefixVisitor() {
            @Override
            public void ipv4(int prefix, int length) {
                if (bytes.length == 4) {
                    int mask = length == 0 ? 0 : -1 << (32 - length);
                    found[0] |= (address.toIPv4().intValue() & mask) == (prefix & mask);
                }
            }

            @Override
            public void ipv6(byte[] prefix, int offset, int length) {
                found[0] |= bytes.length == 16 && within(bytes, prefix, offset, length);
            }
        });
        return found[0];
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

    /** The same prefixes in the same order per family, however they are held. */
    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof AddressMatch m) || any != m.any || ipv4Count != m.ipv4Count || ipv6Count != m.ipv6Count) {
            return false;
        }
        if (Arrays.equals(v4, m.v4) && Arrays.equals(v4Lengths, m.v4Lengths) && Arrays.equals(v6, m.v6)
                && Arrays.equals(v6Lengths, m.v6Lengths) && packedLists.equals(m.packedLists)) {
            return true; // the usual case: the same lists again, compared as packed bytes
        }
        return Arrays.equals(packed(), m.packed());
    }

    /** Cheap on purpose (no walk over a million prefixes): equal matches have equal counts. */
    @Override
    public int hashCode() {
        return 31 * (31 * Boolean.hashCode(any) + ipv4Count) + ipv6Count;
    }

    /** Every prefix as bytes, IPv4 ones first (address, length), then IPv6 ones: for {@link #equals}. */
    private byte[] packed() {
        ByteBuffer ipv4 = ByteBuffer.allocate(5 * ipv4Count);
        ByteBuffer ipv6 = ByteBuffer.allocate(17 * ipv6Count);
        forEachPrefix(new CompactCidrList.PrefixVisitor() {
            @Override
            public void ipv4(int address, int length) {
                ipv4.putInt(address).put((byte) length);
            }

            @Override
            public void ipv6(byte[] address, int offset, int length) {
                ipv6.put(address, offset, 16).put((byte) length);
            }
        });
        byte[] out = Arrays.copyOf(ipv4.array(), ipv4.capacity() + ipv6.capacity());
        System.arraycopy(ipv6.array(), 0, out, ipv4.capacity(), ipv6.capacity());
        return out;
    }

    @Override
    public String toString() {
        if (any) {
            return "AddressMatch[any]";
        }
        List<IPAddress> first = prefixes(8);
        return "AddressMatch[" + (size() <= 8 ? first.toString() : first.subList(0, 8) + " and " + (size() - 8) + " more") + "]";
    }
}
