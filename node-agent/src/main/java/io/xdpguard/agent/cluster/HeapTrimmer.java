package io.xdpguard.agent.cluster;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.util.function.LongSupplier;

/**
 * Runs the agent's full collections between reconciles, not during them.
 *
 * <p>After a reconcile that made the committed heap grow by a lot: loading large XdpCidrSets creates millions of
 * short-lived objects at once, and the JVM then keeps the heap they needed committed for the agent's lifetime (its
 * collectors shrink the heap only at a full collection). One full collection right after such a load, with the
 * image's {@code -XX:MaxHeapFreeRatio}, returns that memory: hundreds of MiB on a node with a million CIDRs.
 *
 * <p>After a reconcile that left the old generation nearly full (SerialGC, the image's collector): every change
 * promotes the previous generation of its filters and compiled rules, so the old generation fills, and the full
 * collection that then comes (50-80 ms with a million CIDRs) would stop the next change in the middle. Run right
 * after a change instead, the pause ends before the next change is even received: a collection stops the threads
 * that would receive it. The image keeps the old generation within 20% of its live data (for memory), and a
 * change of a 1,000-rule filter promotes several MB, so with a million CIDRs most changes end with a collection:
 * CPU after the switch, not latency before it.
 *
 * <p>The agent calls this after the work that follows a reconcile (after a start: the rehearsal of the change path
 * and the write of the inactive slot), so that the garbage of that work does not keep the heap it grew.
 */
final class HeapTrimmer {
    /** Growth of the committed heap since the last trim that is worth a full collection (~0.1-0.3 s here). */
    static final long GROWTH_BYTES = 64L << 20;
    /** Old-generation occupancy (of its committed size) at which a reconcile ends with a full collection. */
    static final double OLD_GENERATION_FULL = 0.85;
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
    private static final HeapTrimmer THIS_JVM = forPools();

    private final LongSupplier committedBytes;
    private final OldGeneration oldGeneration;
    private final Runnable fullCollection;
    private long committedAfterTrim;

    HeapTrimmer(LongSupplier committedBytes, OldGeneration oldGeneration, Runnable fullCollection) {
        this.committedBytes = committedBytes;
        this.oldGeneration = oldGeneration;
        this.fullCollection = fullCollection;
        this.committedAfterTrim = committedBytes.getAsLong();
    }

    /** The used and committed bytes of the old generation; {@link #NONE} for collectors this does not manage. */
    interface OldGeneration {
        OldGeneration NONE = () -> 0;

        /** Used / committed, 0 when unknown. */
        double occupancy();
    }

    private static HeapTrimmer forPools() {
        OldGeneration old = OldGeneration.NONE;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            // SerialGC's old generation: G1 and the concurrent collectors schedule their old-generation work
            // themselves, and an explicit collection there would only add pauses.
            if (pool.getName().equals("Tenured Gen")) {
                old = () -> {
                    long committed = pool.getUsage().getCommitted();
                    return committed == 0 ? 0 : (double) pool.getUsage().getUsed() / committed;
                };
            }
        }
        return new HeapTrimmer(() -> MEMORY.getHeapMemoryUsage().getCommitted(), old, System::gc);
    }

    /**
     * The one trimmer of this JVM's heap: agents sharing a JVM (the scale benchmark runs hundreds) must not each
     * collect it for the same growth.
     */
    static HeapTrimmer forThisJvm() {
        return THIS_JVM;
    }

    /** Called after each reconcile: what the collection it ran found, or null when it ran none. */
    synchronized Trim afterReconcile() {
        long before = committedBytes.getAsLong();
        boolean grown = before - committedAfterTrim >= GROWTH_BYTES;
        double occupancy = oldGeneration.occupancy();
        if (!grown && occupancy < OLD_GENERATION_FULL) {
            return null;
        }
        fullCollection.run();
        // What stays committed now is what the live data needs: the next trim waits for as much growth again.
        committedAfterTrim = committedBytes.getAsLong();
        return new Trim(grown ? Reason.LARGE_LOAD : Reason.OLD_GENERATION_FULL, before, committedAfterTrim, occupancy);
    }

    enum Reason {
        LARGE_LOAD, OLD_GENERATION_FULL
    }

    record Trim(Reason reason, long committedBefore, long committedAfter, double oldOccupancy) {
        @Override
        public String toString() {
            String why = reason == Reason.LARGE_LOAD ? "after a large load"
                    : String.format("with the old generation %.0f%% full", oldOccupancy * 100);
            return String.format("collected the heap %s: %d MiB committed before, %d MiB after", why,
                    committedBefore >> 20, committedAfter >> 20);
        }
    }
}
