package io.xdpguard.agent.dataplane.compile;

import java.util.Arrays;

/**
 * The IPv6 direct stage of one address dimension, in front of its LPM trie: a table of /32 and /48 blocks
 * (xg_src6_dir, xg_dst6_dir in xdpguard_abi.h, laid out as {@link #table}). The kernel looks up the address's /32,
 * for a /32 entry {@link Abi#DIR_NEXT} its /48, and asks the trie only when neither answers.
 *
 * <p>A /32 (/48) has an entry when a prefix at least as long or a host lies inside it. It answers for the whole block
 * ({@link Abi#DIR_FINAL}, as the IPv4 tables do) when no longer prefix lies inside; a /32 with a longer prefix inside
 * is {@link Abi#DIR_NEXT}, its /48s decide, and its miss answers for a /48 without an entry: that /48 holds no prefix
 * of 48 bits or more and no host, so when no prefix of 33..47 bits lies inside the /32 either, its longest prefix is
 * the /32's. Likewise {@link #miss} answers for a /32 without an entry when the dimension has no prefix of 1..31 bits:
 * the /0's vector. Anything else is {@link Abi#DIR_DEEPER}, which is also what a never-written slot config gives. An
 * entry that says what its miss says is left out. A slot needing more entries than the map holds gets its /32s in
 * ascending order as far as they fit, and {@link #missUpTo} the /32 below the first one left out: above it a /32
 * without an entry may be one of those, which only the trie answers rightly.
 *
 * @param blocks  the blocks with an entry, ascending: {@link #block}
 * @param entries parallel: final ({@link Abi#DIR_FINAL} | vector [| {@link Abi#HOSTS_INSIDE}]), {@link Abi#DIR_NEXT}
 *                (a /32 only) or {@link Abi#DIR_DEEPER}
 * @param misses  parallel: for a {@link Abi#DIR_NEXT} entry the answer for a /48 inside without an entry (final or
 *                deeper), else 0
 * @param miss    the answer for a /32 without an entry (xg_slot_config.dir6_miss): final or deeper
 * @param missUpTo the last /32 (its first 32 address bits, unsigned) {@code miss} answers for
 *                 (xg_slot_config.dir6_miss_upto): -1 (0xffffffff, every /32) unless the capacity ran out
 * @param table    the blocks as the kernel's cuckoo table holds them, sized for the capacity it was built for
 */
public record Ipv6Direct(long[] blocks, int[] entries, int[] misses, int miss, int missUpTo, Dir6Table table) {
    private static final long TOP32 = ~0xffffL; // of a block's first 48 bits

    /** Entries in use, /32s and /48s together (at most the capacity it was built for). */
    public int size() {
        return blocks.length;
    }

    /** A block's key: its first 48 address bits (a /32's last 16 zero), then its length (32 or 48) in the low byte. */
    public static long block(long top48, int length) {
        return top48 << 8 | length;
    }

    public static long top48(long block) {
        return block >>> 8;
    }

    public static int length(long block) {
        return (int) block & 0xff;
    }

    /**
     * What the kernel's lookups give for {@code address} (16 bytes): a final entry, or {@link Abi#DIR_DEEPER}. Reads
     * {@link #table} as the kernel does.
     */
    public int lookup(byte[] address) {
        long top48 = 0;
        for (int b = 0; b < 6; b++) {
            top48 = top48 << 8 | address[b] & 0xff;
        }
        int at = table.find(block(top48 & TOP32, 32));
        boolean missHolds = Integer.compareUnsigned((int) (top48 >>> 16), missUpTo) <= 0;
        int e = at >= 0 ? entries[at] : missHolds ? miss : Abi.DIR_DEEPER;
        if (e == Abi.DIR_NEXT) {
            int inner = table.find(block(top48, 48));
            e = inner < 0 ? misses[at] : entries[inner];
        }
        return (e & Abi.DIR_FINAL) != 0 ? e : Abi.DIR_DEEPER;
    }

    /**
     * @param lpm6     an IPv6 LPM table as the compiler's walk fills it: by address, then length, the /0 first
     * @param hosts    the host table of the same dimension; only its IPv6 hosts count (the kernel keys IPv4 hosts
     *                 apart, an IPv6 packet never finds them)
     * @param capacity entries one slot of the map holds (see {@link #fit})
     */
    static Ipv6Direct build(PrefixTable lpm6, PrefixTable hosts, int capacity) {
        if (lpm6.size() == 0 || lpm6.length(0) != 0) {
            throw new IllegalArgumentException("an LPM table starts with its /0");
        }
        Sweep sweep = new Sweep();
        long[] hostBlocks = hostBlocks(hosts);
        int h = 0;
        for (int i = 0; i < lpm6.size(); i++) {
            long top48 = lpm6.top48(i);
            // a host's /48 comes after the prefixes of at most 48 bits over it, which share its first 48 bits or
            // come before them: those are the covers it needs
            while (h < hostBlocks.length && hostBlocks[h] < top48) {
                sweep.host(hostBlocks[h++]);
            }
            sweep.prefix(top48, lpm6.length(i), lpm6.value(i));
        }
        while (h < hostBlocks.length) {
            sweep.host(hostBlocks[h++]);
        }
        sweep.close32();
        int miss = sweep.shortPrefix ? Abi.DIR_DEEPER : Abi.DIR_FINAL | lpm6.value(0) & Abi.VEC_MASK;
        return fit(sweep.out, miss, capacity);
    }

    /** The distinct first 48 bits of the hosts, ascending. */
    private static long[] hostBlocks(PrefixTable hosts) {
        long[] out = new long[hosts.size()];
        int n = 0;
        for (int i = 0; i < hosts.size(); i++) {
            if (!hosts.isIpv6Host(i)) {
                continue;
            }
            long top48 = hosts.top48(i);
            if (n == 0 || out[n - 1] != top48) {
                out[n++] = top48;
            }
        }
        Arrays.sort(out, 0, n);
        int distinct = 0;
        for (int i = 0; i < n; i++) {
            if (distinct == 0 || out[distinct - 1] != out[i]) {
                out[distinct++] = out[i];
            }
        }
        return Arrays.copyOf(out, distinct);
    }

    /**
     * The entries of {@code all} (each /32 followed by its /48s) without the /32s that say what {@code miss} says, as
     * far as they fit in {@code capacity}, a /32 with all its /48s or not at all, in ascending order; the miss answers
     * up to the /32 below the first one left out (and for none when that is ::/32).
     */
    private static Ipv6Direct fit(Blocks all, int miss, int capacity) {
        Blocks out = new Blocks();
        long firstLeftOut = -1;
        int end;
        for (int e = 0; e < all.size; e = end) {
            end = e + 1;
            while (end < all.size && length(all.blocks[end]) == 48) {
                end++;
            }
            if (all.entries[e] == miss) {
                continue;
            }
            if (out.size + end - e > capacity) {
                firstLeftOut = firstLeftOut < 0 ? top48(all.blocks[e]) >>> 16 : firstLeftOut;
                continue;
            }
            for (int c = e; c < end; c++) {
                out.add(all.blocks[c], all.entries[c], all.misses[c]);
            }
        }
        if (firstLeftOut == 0) {
            miss = Abi.DIR_DEEPER;
        }
        long[] blocks = Arrays.copyOf(out.blocks, out.size);
        int[] entries = Arrays.copyOf(out.entries, out.size);
        int[] misses = Arrays.copyOf(out.misses, out.size);
        return new Ipv6Direct(blocks, entries, misses, miss, firstLeftOut < 0 ? -1 : (int) (firstLeftOut - 1),
                Dir6Table.build(blocks, entries, misses, Dir6Table.bucketBits(capacity)));
    }

    /**
     * One pass over the prefixes (by address, then length) and the hosts' /48s merged in, with the stack of prefixes
     * of at most 48 bits around the current position: the covers. A /32 (/48) is open from the first prefix or host
     * inside it to the first one beyond it; prefixes shorter than the block come before it.
     */
    private static final class Sweep {
        final Blocks out = new Blocks(); // each /32 followed by its /48s
        boolean shortPrefix; // some prefix of 1..31 bits

        private final long[] stackTop = new long[50];
        private final int[] stackLength = new int[50];
        private final int[] stackValue = new int[50];
        private int depth;

        private long open32 = -1;
        private int cover32;
        private boolean longer32; // a prefix of more than 32 bits inside
        private boolean middle32; // one of 33..47 bits
        private boolean hosts32;
        private final Blocks inner = new Blocks(); // the open /32's /48 entries

        private long open48 = -1;
        private int cover48;
        private boolean longer48;
        private boolean hosts48;

        void prefix(long top48, int length, int value) {
            enter(top48);
            if (length > 0 && length < 32) {
                shortPrefix = true;
            }
            if (length >= 32) {
                if (open32 < 0) {
                    open32(top48, length == 32 ? value : cover());
                }
                longer32 |= length > 32;
                middle32 |= length > 32 && length < 48;
            }
            if (length >= 48) {
                if (open48 < 0) {
                    open48(top48, length == 48 ? value : cover());
                }
                longer48 |= length > 48;
            }
            if (length <= 48) {
                stackTop[depth] = top48;
                stackLength[depth] = length;
                stackValue[depth++] = value;
            }
        }

        void host(long top48) {
            enter(top48);
            if (open32 < 0) {
                open32(top48, cover());
            }
            if (open48 < 0) {
                open48(top48, cover());
            }
            hosts32 = true;
            hosts48 = true;
        }

        /** Closes the blocks that the item at {@code top48} is not in, and pops the covers that do not hold it. */
        private void enter(long top48) {
            if (open48 >= 0 && open48 != top48) {
                close48();
            }
            if (open32 >= 0 && open32 != (top48 & TOP32)) {
                close32();
            }
            while (depth > 0 && stackLength[depth - 1] > 0
                    && stackTop[depth - 1] >>> (48 - stackLength[depth - 1]) != top48 >>> (48 - stackLength[depth - 1])) {
                depth--;
            }
        }

        /** The value of the longest prefix on the stack: the /0 at least. */
        private int cover() {
            return stackValue[depth - 1];
        }

        private void open32(long top48, int cover) {
            open32 = top48 & TOP32;
            cover32 = cover;
            longer32 = false;
            middle32 = false;
            hosts32 = false;
            inner.size = 0;
        }

        private void open48(long top48, int cover) {
            open48 = top48;
            cover48 = cover;
            longer48 = false;
            hosts48 = false;
        }

        private void close48() {
            inner.add(block(open48, 48), longer48 ? Abi.DIR_DEEPER : DirectEntry.answer(cover48, hosts48), 0);
            open48 = -1;
        }

        void close32() {
            if (open48 >= 0) {
                close48();
            }
            if (open32 < 0) {
                return;
            }
            long key = block(open32, 32);
            if (!longer32) {
                out.add(key, DirectEntry.answer(cover32, hosts32), 0);
            } else {
                int innerMiss = middle32 ? Abi.DIR_DEEPER : Abi.DIR_FINAL | cover32 & Abi.VEC_MASK;
                int at = out.size;
                out.add(key, Abi.DIR_NEXT, innerMiss);
                for (int c = 0; c < inner.size; c++) {
                    if (inner.entries[c] != innerMiss) {
                        out.add(inner.blocks[c], inner.entries[c], 0);
                    }
                }
                if (out.size == at + 1) {
                    // its /48s all say what its miss says: so does the /32
                    out.entries[at] = innerMiss;
                    out.misses[at] = 0;
                }
            }
            open32 = -1;
        }
    }

    /** Growable parallel arrays of block entries. */
    private static final class Blocks {
        long[] blocks = new long[16];
        int[] entries = new int[16];
        int[] misses = new int[16];
        int size;

        void add(long block, int entry, int miss) {
            if (size == blocks.length) {
                blocks = Arrays.copyOf(blocks, size * 2);
                entries = Arrays.copyOf(entries, size * 2);
                misses = Arrays.copyOf(misses, size * 2);
            }
            blocks[size] = block;
            entries[size] = entry;
            misses[size++] = miss;
        }
    }
}
