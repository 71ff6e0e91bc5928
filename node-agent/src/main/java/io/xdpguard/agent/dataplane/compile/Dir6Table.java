package io.xdpguard.agent.dataplane.compile;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

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
 * <p>Holds the way of each block, not the buckets: a table is sized for the map's capacity (a 65,536-block stage is
 * 131,072 ways), the compiler keeps a rule set's tables for as long as its slot, and most stages use few ways. The
 * buckets are laid out only for writing ({@link #occupants}).
 */
public final class Dir6Table {
    /** Multiplier pairs tried before giving up: at most half the ways are ever taken, so the first nearly always does. */
    private static final int ATTEMPTS = 32;
    /** Displacements one insertion may make before the pair is given up. */
    private static final int MAX_KICKS = 500;
    private static final long MULTIPLIER_SEED = 0x6a09e667f3bcc909L;

    private final int bucketBits;
    private final long mult0;
    private final long mult1;
    private final long[] blocks; // the stage's arrays, shared
    private final int[] entries;
    private final int[] misses;
    /** Parallel to blocks: the way (bucket * ways + position) each lies in. */
    private final int[] wayOfBlock;

    private Dir6Table(int bucketBits, long mult0, long mult1, long[] blocks, int[] entries, int[] misses,
            int[] wayOfBlock) {
        this.bucketBits = bucketBits;
        this.mult0 = mult0;
        this.mult1 = mult1;
        this.blocks = blocks;
        this.entries = entries;
        this.misses = misses;
        this.wayOfBlock = wayOfBlock;
    }

    public int bucketBits() {
        return bucketBits;
    }

    public long mult0() {
        return mult0;
    }

    public long mult1() {
        return mult1;
    }

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

    /** Per way (bucket * ways + position), 1 + the index of the block in it, 0 when it is free: the buckets' layout. */
    public int[] occupants() {
        int[] out = new int[Abi.DIR6_WAYS << bucketBits];
        for (int i = 0; i < wayOfBlock.length; i++) {
            out[wayOfBlock[i]] = i + 1;
        }
        return out;
    }

    /**
     * Where the kernel finds {@code key}, its first bucket and then, when that one is full, its second: the index of
     * the block in the stage's arrays, or -1. For tests and tools: a scan of the blocks.
     */
    public int find(long key) {
        for (long multiplier : new long[] {mult0, mult1}) {
            int bucket = bucket(key, multiplier, bucketBits);
            int taken = 0;
            for (int i = 0; i < wayOfBlock.length; i++) {
                if (wayOfBlock[i] / Abi.DIR6_WAYS == bucket) {
                    if (blocks[i] == key) {
                        return i;
                    }
                    taken++;
                }
            }
            if (taken < Abi.DIR6_WAYS) {
                return -1;
            }
        }
        return -1;
    }

    /** The way the block at {@code index} of the stage's arrays lies in. */
    public int wayOf(int index) {
        return wayOfBlock[index];
    }

    /**
     * The buckets of {@code occupants} (this table's) that differ from {@code previous}'s, ascending; with no previous
     * table, the buckets holding a block (over an empty slot) or every bucket (over a slot of unknown contents, or of
     * a table of another size).
     */
    public int[] changedBuckets(int[] occupants, Dir6Table previous, boolean slotEmpty) {
        if (previous != null && previous.bucketBits != bucketBits) {
            return changedBuckets(occupants, null, false);
        }
        int[] held = previous == null ? null : previous.occupants();
        return IntStream.range(0, buckets()).filter(b -> {
            for (int w = b * Abi.DIR6_WAYS; w < (b + 1) * Abi.DIR6_WAYS; w++) {
                if (held == null ? !slotEmpty || occupants[w] != 0 : !sameWay(occupants[w], previous, held[w])) {
                    return true;
                }
            }
            return false;
        }).toArray();
    }

    private boolean sameWay(int occupant, Dir6Table other, int otherOccupant) {
        if (occupant == 0 || otherOccupant == 0) {
            return occupant == otherOccupant;
        }
        int i = occupant - 1;
        int j = otherOccupant - 1;
        return blocks[i] == other.blocks[j] && entries[i] == other.entries[j] && misses[i] == other.misses[j];
    }

    /** Appends struct xg_dir6_bucket {@code bucket} of {@code occupants} (this table's): per way key, entry, miss. */
    public void writeBucket(ByteBuffer out, int bucket, int[] occupants) {
        for (int w = bucket * Abi.DIR6_WAYS; w < (bucket + 1) * Abi.DIR6_WAYS; w++) {
            int block = occupants[w] - 1;
            if (block < 0) {
                out.putLong(0).putInt(0).putInt(0);
            } else {
                out.putLong(blocks[block]).putInt(entries[block]).putInt(misses[block]);
            }
        }
    }

    /** The table of these blocks (ascending, parallel arrays as in {@link Ipv6Direct}) in {@code 2^bucketBits} buckets. */
    static Dir6Table build(long[] blocks, int[] entries, int[] misses, int bucketBits) {
        if (bucketBits < 1 || bucketBits > Abi.DIR6_MAX_BUCKET_BITS || blocks.length > capacity(bucketBits) * 2) {
            throw new IllegalArgumentException(blocks.length + " IPv6 blocks in 2^" + bucketBits + " buckets");
        }
        SplittableRandom multipliers = new SplittableRandom(MULTIPLIER_SEED);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long mult0 = multipliers.nextLong() | 1;
            long mult1 = multipliers.nextLong() | 1;
            int[] occupant = place(blocks, bucketBits, mult0, mult1);
            if (occupant != null) {
                int[] wayOfBlock = new int[blocks.length];
                for (int w = 0; w < occupant.length; w++) {
                    if (occupant[w] != 0) {
                        wayOfBlock[occupant[w] - 1] = w;
                    }
                }
                return new Dir6Table(bucketBits, mult0, mult1, blocks, entries, misses, wayOfBlock);
            }
        }
        throw new IllegalStateException("no placement of " + blocks.length + " IPv6 blocks in " + (1 << bucketBits)
                + " buckets after " + ATTEMPTS + " multiplier pairs");
    }

    /** Per way, 1 + the index of the block placed there (0: free); null when some block found no place. */
    private static int[] place(long[] blocks, int bucketBits, long mult0, long mult1) {
        int ways = Abi.DIR6_WAYS;
        int[] occupant = new int[ways << bucketBits];
        for (int i = 0; i < blocks.length; i++) {
            int block = i;
            int at = bucket(blocks[block], mult0, bucketBits);
            if (putFree(occupant, at, block) || putFree(occupant, bucket(blocks[block], mult1, bucketBits), block)) {
                continue;
            }
            // both full: take a way of the first bucket, move its block to its other bucket, and so on
            boolean placed = false;
            for (int kick = 0; kick < MAX_KICKS && !placed; kick++) {
                int way = at * ways + kick % ways;
                int moved = occupant[way] - 1;
                occupant[way] = block + 1;
                block = moved;
                int first = bucket(blocks[block], mult0, bucketBits);
                at = first == at ? bucket(blocks[block], mult1, bucketBits) : first;
                placed = putFree(occupant, at, block);
            }
            if (!placed) {
                return null;
            }
        }
        return occupant;
    }

    /** Puts the block into the first free way of {@code bucket}; false when it is full. */
    private static boolean putFree(int[] occupant, int bucket, int block) {
        for (int w = bucket * Abi.DIR6_WAYS; w < (bucket + 1) * Abi.DIR6_WAYS; w++) {
            if (occupant[w] == 0) {
                occupant[w] = block + 1;
                return true;
            }
        }
        return false;
    }
}
