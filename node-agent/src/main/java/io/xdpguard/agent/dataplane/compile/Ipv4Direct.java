package io.xdpguard.agent.dataplane.compile;

import java.util.Arrays;

/**
 * The IPv4 direct tables of one address dimension (DIR-16-8), in front of its LPM trie: the kernel reads
 * {@link #sixteens} at an address's top 16 bits, then for a /16 with a longer prefix inside the 256 entries of its
 * chunk in {@link #chunks} at bits 15..8, and asks the trie only when neither answers (xdpguard_abi.h).
 *
 * <p>An entry answers for a whole /16 (/24) when no prefix longer than /16 (/24) lies inside it: then every address
 * there has the same longest prefix, one of length 16 (24) or less, /0 at least. The entry is {@link Abi#DIR_FINAL}
 * with that prefix's vector, plus {@link Abi#HOSTS_INSIDE} when the host table holds an address of this /16 (/24):
 * such a host's longest enclosing prefix is that same prefix, which carries the flag too. Otherwise it is
 * {@link Abi#DIR_DEEPER}, which is also what a never-written entry holds (0): a stale or missing table is slow,
 * never wrong. The tables are a function of the LPM and host tables alone, so a slot whose tables did not change
 * holds the right ones.
 *
 * @param sixteens {@link Abi#DIR4_ENTRIES} entries: final, {@link Abi#DIR_CHUNK} with a chunk index, or deeper
 * @param chunks   256 entries per chunk in use, chunk c at {@code c * 256}: final or deeper
 */
public record Ipv4Direct(int[] sixteens, int[] chunks) {

    /** Chunks used (at most the chunk capacity it was built for: what the kernel's maps hold per slot). */
    public int chunkCount() {
        return chunks.length / 256;
    }

    /** What the kernel's two array reads give for {@code address}: a final entry, or {@link Abi#DIR_DEEPER}. */
    public int lookup(int address) {
        int e = sixteens[address >>> 16];
        if ((e & Abi.DIR_CHUNK) != 0) {
            int chunk = e & Abi.VEC_MASK;
            e = chunk < chunkCount() ? chunks[chunk * 256 + (address >>> 8 & 0xff)] : Abi.DIR_DEEPER;
        }
        return (e & Abi.DIR_FINAL) != 0 ? e : Abi.DIR_DEEPER;
    }

    /**
     * @param lpm4          an IPv4 LPM table, as the compiler's walk fills it (/0 included)
     * @param hosts         the host table of the same dimension (IPv4 entries IPv4-mapped)
     * @param chunkCapacity /16s that may get a /24 chunk: the lowest ones with a longer prefix inside; the others
     *                      stay {@link Abi#DIR_DEEPER}, so the trie answers for them
     */
    static Ipv4Direct build(PrefixTable lpm4, PrefixTable hosts, int chunkCapacity) {
        int[] cover = new int[Abi.DIR4_ENTRIES]; // value of the longest prefix <= /16 over each /16
        int[] coverLength = new int[Abi.DIR4_ENTRIES];
        Arrays.fill(coverLength, -1);
        int[] longer = new int[Abi.DIR4_ENTRIES + 1]; // prefixes longer than /16 per /16, then bucket offsets
        for (int i = 0; i < lpm4.size(); i++) {
            int length = lpm4.length(i);
            int top = lpm4.ipv4(i) >>> 16;
            if (length > 16) {
                longer[top]++;
            } else {
                fill(cover, coverLength, top, length, 16, lpm4.value(i));
            }
        }
        int[] hostCount = new int[Abi.DIR4_ENTRIES + 1];
        for (int i = 0; i < hosts.size(); i++) {
            int top = hosts.ipv4MappedTop16(i);
            if (top >= 0) {
                hostCount[top]++;
            }
        }

        int[] sixteens = new int[Abi.DIR4_ENTRIES];
        int[] chunkOf = new int[Abi.DIR4_ENTRIES];
        int chunkCount = 0;
        for (int b = 0; b < Abi.DIR4_ENTRIES; b++) {
            chunkOf[b] = -1;
            if (coverLength[b] < 0) {
                sixteens[b] = Abi.DIR_DEEPER;
            } else if (longer[b] == 0) {
                sixteens[b] = DirectEntry.answer(cover[b], hostCount[b] > 0);
            } else if (chunkCount < chunkCapacity) {
                chunkOf[b] = chunkCount;
                sixteens[b] = Abi.DIR_CHUNK | chunkCount++;
            } else {
                sixteens[b] = Abi.DIR_DEEPER;
            }
        }
        if (chunkCount == 0) {
            return new Ipv4Direct(sixteens, new int[0]);
        }

        // the prefixes longer than /16 and the hosts of the chunked /16s, bucketed by /16 (a counting sort)
        int[] longerIndex = bucket(longer, chunkOf, lpm4.size(), i -> lpm4.length(i) > 16 ? lpm4.ipv4(i) >>> 16 : -1);
        int[] hostIndex = bucket(hostCount, chunkOf, hosts.size(), hosts::ipv4MappedTop16);

        int[] chunks = new int[chunkCount * 256];
        int[] cover24 = new int[256];
        int[] length24 = new int[256];
        boolean[] deeper24 = new boolean[256];
        boolean[] hosts24 = new boolean[256];
        for (int b = 0; b < Abi.DIR4_ENTRIES; b++) {
            if (chunkOf[b] < 0) {
                continue;
            }
            Arrays.fill(cover24, cover[b]);
            Arrays.fill(length24, -1); // any prefix of 17..24 bits (lengths 1..8 here) is longer than the /16's
            Arrays.fill(deeper24, false);
            Arrays.fill(hosts24, false);
            for (int k = longer[b]; k < longer[b + 1]; k++) {
                int i = longerIndex[k];
                int third = lpm4.ipv4(i) >>> 8 & 0xff;
                if (lpm4.length(i) > 24) {
                    deeper24[third] = true;
                } else {
                    fill(cover24, length24, third, lpm4.length(i) - 16, 8, lpm4.value(i));
                }
            }
            for (int k = hostCount[b]; k < hostCount[b + 1]; k++) {
                hosts24[hosts.ipv4MappedThird(hostIndex[k])] = true;
            }
            int base = chunkOf[b] * 256;
            for (int c = 0; c < 256; c++) {
                chunks[base + c] = deeper24[c] ? Abi.DIR_DEEPER : DirectEntry.answer(cover24[c], hosts24[c]);
            }
        }
        return new Ipv4Direct(sixteens, chunks);
    }

    /**
     * Records {@code value} over the entries a prefix covers in a table of {@code 2^bits} entries (the prefix's
     * {@code length} counted from the table's first bit, {@code top} the entry its address falls in) where no
     * longer prefix did so already. Prefixes of one length are disjoint: at most 2^bits writes per length.
     */
    private static void fill(int[] values, int[] lengths, int top, int length, int bits, int value) {
        int first = top & (-1 << (bits - length)) & ((1 << bits) - 1);
        for (int e = first; e < first + (1 << (bits - length)); e++) {
            if (length > lengths[e]) {
                lengths[e] = length;
                values[e] = value;
            }
        }
    }

    /**
     * Turns {@code counts} (per /16) into bucket offsets in place, counting only chunked /16s, and returns the
     * indices of the entries in /16 order: bucket b is {@code [counts[b], counts[b + 1])} afterwards.
     */
    private static int[] bucket(int[] counts, int[] chunkOf, int size, java.util.function.IntUnaryOperator top16) {
        int total = 0;
        for (int b = 0; b < Abi.DIR4_ENTRIES; b++) {
            int n = chunkOf[b] >= 0 ? counts[b] : 0;
            counts[b] = total;
            total += n;
        }
        counts[Abi.DIR4_ENTRIES] = total;
        int[] next = Arrays.copyOf(counts, Abi.DIR4_ENTRIES);
        int[] out = new int[total];
        for (int i = 0; i < size; i++) {
            int top = top16.applyAsInt(i);
            if (top >= 0 && chunkOf[top] >= 0) {
                out[next[top]++] = i;
            }
        }
        return out;
    }
}
