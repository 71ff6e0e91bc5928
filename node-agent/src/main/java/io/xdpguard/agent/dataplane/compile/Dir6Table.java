package io.xdpguard.agent.dataplane.compile;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The IPv6 direct stage of one slot as the kernel reads it (xg_src6_dir, xg_dst6_dir in xdpguard_abi.h): a cuckoo
 * table of the {@link Ipv6Direct} blocks. {@code 2^bucketBits} buckets of {@link Abi#DIR6_WAYS} ways; a block's key
 * ({@link Ipv6Direct#block}, never 0) lies in its first bucket, {@code (key * mult0) >>> (64 - bucketBits)}, or, only
 * when that one is full, in its second, the same with {@code mult1}. A bucket fills from way 0 and a displaced key
 * leaves its way to the key displacing it, so no way is freed while the table is built and "full" stays true.
 *
 * <p>Built whole and deterministically: the blocks in ascending order, multipliers drawn from a fixed sequence, the
 * next pair when a block finds no place. So an unchanged stage gives the same buckets, and a change of a few blocks
 * rewrites about the buckets those blocks and the ones they displace lie in.
 *
 * @param keys    {@code buckets * ways}: bucket b's ways at {@code b * ways ..}; 0 is a free way
 * @param entries parallel to keys
 * @param misses  parallel to keys
 */
public record Dir6Table(int bucketBits, long mult0, long mult1, long[] keys, int[] entries, int[] misses) {
    /** Multiplier pairs tried before giving up: at most half the ways are ever taken, so the first nearly always does. */
    private static final int ATTEMPTS = 32;
    /** Displacements one insertion may make before the pair is given up. */
    private static final int MAX_KICKS = 500;
    private static final long MULTIPLIER_SEED = 0x6a09e667f3bcc909L;

    public int buckets() {
        return 1 << bucketBits;
    }

    /** Buckets (log2) for {@code capacity} blocks: at most half the ways taken, at least two buckets. */
    public static int bucketBits(int capacity) {
        if (capacity < 0 || capacity > Abi.DIR6_MAX_BLOCKS) {
            throw new IllegalArgumentException("IPv6 blocks per slot must be 0.." + Abi.DIR6_MAX_BLOCKS + ", not " + capacity);
        }
        long buckets = Math.max(2, ((long) capacity * 2 + Abi.DIR6_WAYS - 1) / Abi.DIR6_WAYS);
        return 64 - Long.numberOfLeadingZeros(buckets - 1);
    }

    /** Blocks a table of {@code 2^bucketBits} buckets is built for: the inverse of {@link #bucketBits}. */
    public static int capacity(int bucketBits) {
        return (1 << bucketBits) * Abi.DIR6_WAYS / 2;
    }

    /** The bucket of {@code key} under {@code multiplier}. */
    public static int bucket(long key, long multiplier, int bucketBits) {
        return (int) ((key * multiplier) >>> (64 - bucketBits));
    }

    /** Where the kernel finds {@code key}: the index into {@link #keys}, or -1. */
    public int find(long key) {
        for (long multiplier : new long[] {mult0, mult1}) {
            int base = bucket(key, multiplier, bucketBits) * Abi.DIR6_WAYS;
            for (int w = 0; w < Abi.DIR6_WAYS; w++) {
                if (keys[base + w] == key) {
                    return base + w;
                }
            }
            if (keys[base + Abi.DIR6_WAYS - 1] == 0) {
                return -1;
            }
        }
        return -1;
    }

    /** The table of these blocks (ascending, parallel arrays as in {@link Ipv6Direct}) in {@code 2^bucketBits} buckets. */
    static Dir6Table build(long[] blocks, int[] entries, int[] misses, int bucketBits) {
        if (bucketBits < 1 || bucketBits > Abi.DIR6_MAX_BUCKET_BITS || blocks.length > capacity(bucketBits) * 2) {
            throw new IllegalArgumentException(blocks.length + " IPv6 blocks in 2^" + bucketBits + " buckets");
        }
        SplittableRandom multipliers = new SplittableRandom(MULTIPLIER_SEED);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Dir6Table table = place(blocks, entries, misses, bucketBits, multipliers.nextLong() | 1,
                    multipliers.nextLong() | 1);
            if (table != null) {
                return table;
            }
        }
        throw new IllegalStateException("no placement of " + blocks.length + " IPv6 blocks in " + (1 << bucketBits)
                + " buckets after " + ATTEMPTS + " multiplier pairs");
    }

    private static Dir6Table place(long[] blocks, int[] entries, int[] misses, int bucketBits, long mult0, long mult1) {
        int ways = Abi.DIR6_WAYS;
        Dir6Table t = new Dir6Table(bucketBits, mult0, mult1, new long[ways << bucketBits], new int[ways << bucketBits],
                new int[ways << bucketBits]);
        for (int i = 0; i < blocks.length; i++) {
            long key = blocks[i];
            int entry = entries[i];
            int miss = misses[i];
            int at = bucket(key, mult0, bucketBits);
            if (t.putFree(at, key, entry, miss) || t.putFree(bucket(key, mult1, bucketBits), key, entry, miss)) {
                continue;
            }
            // both full: take a way of the first bucket, move its key to its other bucket, and so on
            boolean placed = false;
            for (int kick = 0; kick < MAX_KICKS && !placed; kick++) {
                int way = at * ways + kick % ways;
                long movedKey = t.keys[way];
                int movedEntry = t.entries[way];
                int movedMiss = t.misses[way];
                t.keys[way] = key;
                t.entries[way] = entry;
                t.misses[way] = miss;
                key = movedKey;
                entry = movedEntry;
                miss = movedMiss;
                int first = bucket(key, mult0, bucketBits);
                at = first == at ? bucket(key, mult1, bucketBits) : first;
                placed = t.putFree(at, key, entry, miss);
            }
            if (!placed) {
                return null;
            }
        }
        return t;
    }

    /** Puts the block into the first free way of {@code bucket}; false when it is full. */
    private boolean putFree(int bucket, long key, int entry, int miss) {
        for (int w = bucket * Abi.DIR6_WAYS; w < (bucket + 1) * Abi.DIR6_WAYS; w++) {
            if (keys[w] == 0) {
                keys[w] = key;
                entries[w] = entry;
                misses[w] = miss;
                return true;
            }
        }
        return false;
    }

    /** Whether bucket {@code b} holds the same ways as bucket {@code b} of {@code other}. */
    public boolean sameBucket(int b, Dir6Table other) {
        int from = b * Abi.DIR6_WAYS;
        int to = from + Abi.DIR6_WAYS;
        return Arrays.equals(keys, from, to, other.keys, from, to) && Arrays.equals(entries, from, to, other.entries, from, to)
                && Arrays.equals(misses, from, to, other.misses, from, to);
    }
}
