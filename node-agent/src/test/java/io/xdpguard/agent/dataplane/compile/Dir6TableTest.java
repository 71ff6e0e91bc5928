package io.xdpguard.agent.dataplane.compile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The IPv6 stage's cuckoo table: every block is found where the kernel looks (its first bucket, or its second only
 * when the first is full), nothing else is, a table at its capacity always builds, and the same blocks give the same
 * buckets.
 */
class Dir6TableTest {
    @Test
    void bucketsHoldTheCapacityAtMostHalfFull() {
        assertThat(Dir6Table.bucketBits(Abi.DIR6_BLOCKS)).isEqualTo(Integer.numberOfTrailingZeros(Abi.DIR6_BUCKETS));
        assertThat(Dir6Table.capacity(Dir6Table.bucketBits(Abi.DIR6_BLOCKS))).isEqualTo(Abi.DIR6_BLOCKS);
        assertThat(Dir6Table.bucketBits(0)).isEqualTo(1);
        assertThat(Dir6Table.bucketBits(4)).isEqualTo(1);
        assertThat(Dir6Table.bucketBits(5)).isEqualTo(2);
        assertThat(Dir6Table.bucketBits(1000)).isEqualTo(9);
        assertThat(Dir6Table.capacity(Dir6Table.bucketBits(1000))).isEqualTo(1024);
        assertThatThrownBy(() -> Dir6Table.bucketBits(Abi.DIR6_MAX_BLOCKS + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyBlockIsFoundWhereTheKernelLooksAndNothingElse() {
        Random random = new Random(7);
        for (int bits : new int[] {1, 4, 10}) {
            for (int round = 0; round < 20; round++) {
                long[] blocks = blocks(random, Dir6Table.capacity(bits));
                Dir6Table table = build(blocks, bits);
                int inSecond = 0;
                for (int i = 0; i < blocks.length; i++) {
                    assertThat(table.find(blocks[i])).as("block %d of %d", i, blocks.length).isEqualTo(i);
                    int way = table.wayOf(i);
                    int first = Dir6Table.bucket(blocks[i], table.mult0(), bits);
                    if (way / Abi.DIR6_WAYS != first) {
                        inSecond++;
                        assertThat(way / Abi.DIR6_WAYS).isEqualTo(Dir6Table.bucket(blocks[i], table.mult1(), bits));
                        assertThat(table.occupants()[first * Abi.DIR6_WAYS + Abi.DIR6_WAYS - 1]).as("its first bucket is full")
                                .isNotZero();
                    }
                }
                assertThat(Arrays.stream(table.occupants()).filter(o -> o != 0).count()).isEqualTo(blocks.length);
                for (int miss = 0; miss < 200; miss++) {
                    long absent = block(random);
                    if (Arrays.binarySearch(blocks, absent) < 0) {
                        assertThat(table.find(absent)).isEqualTo(-1);
                    }
                }
                if (bits == 10) {
                    assertThat(inSecond).as("blocks in their second bucket at half load").isPositive();
                }
            }
        }
    }

    @Test
    void theSameBlocksGiveTheSameBucketsAndOneMoreBlockMovesFew() {
        Random random = new Random(11);
        long[] blocks = blocks(random, 1000);
        Dir6Table table = build(blocks, 11);
        Dir6Table again = build(blocks.clone(), 11);
        assertThat(again.changedBuckets(again.occupants(), table, false)).isEmpty();
        assertThat(again.mult0()).isEqualTo(table.mult0());

        long[] more = Arrays.copyOf(blocks, blocks.length + 1);
        more[blocks.length] = block(random);
        Arrays.sort(more);
        Dir6Table next = build(more, 11);
        int[] moved = next.changedBuckets(next.occupants(), table, false);
        assertThat(moved.length).as("buckets a change of one block rewrites").isBetween(1, 8);
    }

    @Test
    void withoutAPreviousTableOfItsSizeTheTakenBucketsOrAllAreWritten() {
        long[] blocks = blocks(new Random(5), 40);
        Dir6Table table = build(blocks, 6);
        int[] taken = table.changedBuckets(table.occupants(), null, true);
        assertThat(taken).isSorted().doesNotHaveDuplicates();
        assertThat(java.util.stream.IntStream.range(0, blocks.length).map(i -> table.wayOf(i) / Abi.DIR6_WAYS).distinct()
                .sorted().toArray()).containsExactly(taken);
        assertThat(table.changedBuckets(table.occupants(), null, false)).hasSize(table.buckets());
        assertThat(table.changedBuckets(table.occupants(), build(blocks, 7), true)).as("over a table of another size")
                .hasSize(table.buckets());
    }

    @Test
    void aBucketIsWrittenAsTheKernelReadsIt() {
        long[] blocks = blocks(new Random(9), 6);
        Dir6Table table = build(blocks, 1);
        int[] occupants = table.occupants();
        for (int b = 0; b < table.buckets(); b++) {
            ByteBuffer bucket = ByteBuffer.allocate(Abi.DIR6_WAYS * 16).order(ByteOrder.nativeOrder());
            table.writeBucket(bucket, b, occupants);
            for (int w = 0; w < Abi.DIR6_WAYS; w++) {
                int block = occupants[b * Abi.DIR6_WAYS + w] - 1;
                long key = bucket.getLong(w * 16);
                assertThat(key).isEqualTo(block < 0 ? 0 : blocks[block]);
                assertThat(bucket.getInt(w * 16 + 8)).isEqualTo(block < 0 ? 0 : entry(blocks[block]));
                assertThat(bucket.getInt(w * 16 + 12)).isEqualTo(block < 0 ? 0 : miss(blocks[block]));
            }
        }
    }

    @Test
    void moreBlocksThanWaysAreRefused() {
        long[] blocks = blocks(new Random(3), 2 * Abi.DIR6_WAYS + 1);
        assertThatThrownBy(() -> build(blocks, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Dir6Table build(long[] blocks, int bits) {
        int[] entries = Arrays.stream(blocks).mapToInt(Dir6TableTest::entry).toArray();
        int[] misses = Arrays.stream(blocks).mapToInt(Dir6TableTest::miss).toArray();
        return Dir6Table.build(blocks, entries, misses, bits);
    }

    /** Distinct random blocks, ascending, as {@link Ipv6Direct} holds them. */
    private static long[] blocks(Random random, int count) {
        return LongStream.generate(() -> block(random)).distinct().limit(count).sorted().toArray();
    }

    private static long block(Random random) {
        boolean slash48 = random.nextBoolean();
        long top48 = random.nextLong() >>> 16;
        return Ipv6Direct.block(slash48 ? top48 : top48 & ~0xffffL, slash48 ? 48 : 32);
    }

    private static int entry(long block) {
        return Abi.DIR_FINAL | (int) (block >>> 8) & Abi.VEC_MASK;
    }

    private static int miss(long block) {
        return (int) block * 31;
    }
}
