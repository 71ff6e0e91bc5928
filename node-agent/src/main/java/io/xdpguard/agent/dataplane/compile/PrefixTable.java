package io.xdpguard.agent.dataplane.compile;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Address prefixes of one family with their map values (vector id, and for LPM entries {@link Abi#HOSTS_INSIDE}),
 * stored in flat arrays (a million prefixes must stay compact; the agent keeps the tables of the slots in force): the
 * address bytes of entry i are {@code addresses[i*width .. (i+1)*width)}, its vector id (below
 * {@link Abi#MAX_VECTORS}, 16 bits) in {@code vectors[i]}, its flag in {@code hostsInside}.
 */
public final class PrefixTable {
    private final int width;
    private byte[] addresses;
    private byte[] lengths;
    private char[] vectors;
    private final BitSet hostsInside = new BitSet();
    private int size;

    public PrefixTable(int width) {
        this.width = width;
        this.addresses = new byte[16 * width];
        this.lengths = new byte[16];
        this.vectors = new char[16];
    }

    void add(byte[] address, int length, int vector) {
        grow();
        System.arraycopy(address, 0, addresses, size * width, width);
        lengths[size] = (byte) length;
        vectors[size] = vectorId(vector);
        size++;
    }

    private static char vectorId(int vector) {
        if (vector < 0 || vector >= Abi.MAX_VECTORS) {
            throw new IllegalArgumentException("vector id " + vector + " out of range");
        }
        return (char) vector;
    }

    /** Flags entry i: exact addresses inside it (and inside no longer entry) are in the host table. */
    void markHostsInside(int i) {
        hostsInside.set(i);
    }

    /**
     * Adds the host entry of IPv4 address {@code ipv4} in its IPv4-mapped form, without an array per entry. Its length
     * is 32, which tells it from an IPv6 host (128) with the same 16 bytes: the kernel keys the two apart.
     */
    void addIpv4Mapped(byte[] ipv4, int vector) {
        grow();
        int at = size * width;
        Arrays.fill(addresses, at, at + 10, (byte) 0);
        addresses[at + 10] = (byte) 0xff;
        addresses[at + 11] = (byte) 0xff;
        System.arraycopy(ipv4, 0, addresses, at + 12, 4);
        lengths[size] = (byte) 32;
        vectors[size] = vectorId(vector);
        size++;
    }

    private void grow() {
        if (size == lengths.length) {
            int capacity = Math.max(16, size * 2);
            addresses = Arrays.copyOf(addresses, capacity * width);
            lengths = Arrays.copyOf(lengths, capacity);
            vectors = Arrays.copyOf(vectors, capacity);
        }
    }

    /** Makes room for {@code entries} in all, so that a table of a million entries is not grown by doubling. */
    void reserve(int entries) {
        if (entries > lengths.length) {
            addresses = Arrays.copyOf(addresses, entries * width);
            lengths = Arrays.copyOf(lengths, entries);
            vectors = Arrays.copyOf(vectors, entries);
        }
    }

    /** Drops the spare capacity of the growing arrays: a table is kept as long as its slot is in force. */
    void trim() {
        addresses = Arrays.copyOf(addresses, size * width);
        lengths = Arrays.copyOf(lengths, size);
        vectors = Arrays.copyOf(vectors, size);
    }

    public int size() {
        return size;
    }

    /** Bytes per address: 4 for IPv4 LPM entries, 16 for IPv6 and for host entries (IPv4-mapped). */
    public int width() {
        return width;
    }

    public byte[] address(int i) {
        return Arrays.copyOfRange(addresses, i * width, (i + 1) * width);
    }

    /** Copies entry i's address into {@code out} at {@code offset}. */
    public void copyAddress(int i, byte[] out, int offset) {
        System.arraycopy(addresses, i * width, out, offset, width);
    }

    /** Entry i of an IPv4 table (width 4) as a 32-bit address. */
    int ipv4(int i) {
        int at = i * width;
        return (addresses[at] & 0xff) << 24 | (addresses[at + 1] & 0xff) << 16 | (addresses[at + 2] & 0xff) << 8
                | addresses[at + 3] & 0xff;
    }

    /** The top 16 bits of entry i of a host table when it is an IPv4 host, else -1. */
    int ipv4MappedTop16(int i) {
        if (width != 16 || isIpv6Host(i)) {
            return -1;
        }
        int at = i * width;
        return (addresses[at + 12] & 0xff) << 8 | addresses[at + 13] & 0xff;
    }

    /** Entry i of a host table is an IPv6 address (an IPv4 host is stored IPv4-mapped, with length 32). */
    public boolean isIpv6Host(int i) {
        return (lengths[i] & 0xff) == 128;
    }

    /** Bits 15..8 (the third byte) of entry i of a host table, an IPv4-mapped address. */
    int ipv4MappedThird(int i) {
        return addresses[i * width + 14] & 0xff;
    }

    /** The first 48 bits of entry i of a table of 16-byte addresses (IPv6, hosts): its /48, the IPv6 stage's key. */
    long top48(int i) {
        int at = i * width;
        long top = 0;
        for (int b = 0; b < 6; b++) {
            top = top << 8 | addresses[at + b] & 0xff;
        }
        return top;
    }

    public int length(int i) {
        return lengths[i] & 0xff;
    }

    public int vector(int i) {
        return vectors[i];
    }

    public boolean hostsInside(int i) {
        return hostsInside.get(i);
    }

    /** What the kernel map holds for entry i: the vector id with its flags. */
    public int value(int i) {
        return hostsInside.get(i) ? vectors[i] | Abi.HOSTS_INSIDE : vectors[i];
    }
}
