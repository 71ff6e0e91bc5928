package io.xdpguard.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HeapTrimmerTest {
    private static final long MIB = 1 << 20;
    private final AtomicLong committed = new AtomicLong(100 * MIB);
    private final AtomicInteger collections = new AtomicInteger();
    /** A full collection shrinks the heap to what the test says is live. */
    private final AtomicLong liveAfterCollection = new AtomicLong();
    /** Old-generation occupancy; a full collection sets it to what the test says stays. */
    private final AtomicLong oldPercent = new AtomicLong(50);
    private final AtomicLong oldPercentAfterCollection = new AtomicLong(50);
    private final HeapTrimmer trimmer = new HeapTrimmer(committed::get, () -> oldPercent.get() / 100.0, () -> {
        collections.incrementAndGet();
        committed.set(liveAfterCollection.get());
        oldPercent.set(oldPercentAfterCollection.get());
    });

    @Test
    void collectsOnceAfterTheHeapGrewByALoadAndNotOnOrdinaryReconciles() {
        committed.set(100 * MIB + HeapTrimmer.GROWTH_BYTES - 1);
        assertThat(trimmer.afterReconcile()).isNull();

        committed.set(500 * MIB);
        liveAfterCollection.set(150 * MIB);
        assertThat(trimmer.afterReconcile())
                .isEqualTo(new HeapTrimmer.Trim(HeapTrimmer.Reason.LARGE_LOAD, 500 * MIB, 150 * MIB, 0.5))
                .hasToString("collected the heap after a large load: 500 MiB committed before, 150 MiB after");

        committed.set(170 * MIB);
        assertThat(trimmer.afterReconcile()).isNull();
        assertThat(collections.get()).isOne();
    }

    @Test
    void collectsWhenTheOldGenerationIsNearlyFullSoThatTheNextChangeDoesNotWaitForIt() {
        committed.set(120 * MIB);
        liveAfterCollection.set(115 * MIB);
        oldPercent.set(84);
        assertThat(trimmer.afterReconcile()).isNull();

        oldPercent.set(86);
        oldPercentAfterCollection.set(60);
        HeapTrimmer.Trim trim = trimmer.afterReconcile();
        assertThat(trim).isNotNull();
        assertThat(trim.reason()).isEqualTo(HeapTrimmer.Reason.OLD_GENERATION_FULL);
        assertThat(trim).hasToString("collected the heap with the old generation 86% full: 120 MiB committed before, "
                + "115 MiB after");
        assertThat(trimmer.afterReconcile()).isNull();
        assertThat(collections.get()).isOne();
    }

    @Test
    void agentsSharingAJvmShareItsTrimmer() {
        // One trimmer per agent collected the shared heap once per agent: the scale benchmark's 200 in-process
        // agents took 37 s instead of 3 to report a filter Ready.
        assertThat(HeapTrimmer.forThisJvm()).isSameAs(HeapTrimmer.forThisJvm());
    }

    @Test
    void aHeapThatStaysLargeBecauseItIsLiveIsNotCollectedAgainAndAgain() {
        committed.set(400 * MIB);
        liveAfterCollection.set(400 * MIB);
        assertThat(trimmer.afterReconcile()).isNotNull();

        committed.set(400 * MIB + HeapTrimmer.GROWTH_BYTES / 2);
        assertThat(trimmer.afterReconcile()).isNull();
        committed.set(400 * MIB + HeapTrimmer.GROWTH_BYTES);
        assertThat(trimmer.afterReconcile()).isNotNull();
        assertThat(collections.get()).isEqualTo(2);
    }
}
