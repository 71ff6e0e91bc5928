package io.xdpguard.agent.cluster;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.function.LongSupplier;

/**
 * Gives heap back to the OS after a reconcile that made it grow by a lot. Loading large XdpCidrSets creates millions
 * of short-lived objects at once; the JVM then keeps the heap they needed committed for the agent's lifetime (its
 * collectors shrink the heap only at a full collection). One full collection right after such a load, with the
 * image's {@code -XX:MaxHeapFreeRatio}, returns that memory: hundreds of MiB on a node with a million CIDRs.
 */
final class HeapTrimmer {
    /** Growth of the committed heap since the last trim that is worth a full collection (~0.1-0.3 s here). */
    static final long GROWTH_BYTES = 64L << 20;
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
    private static final HeapTrimmer THIS_JVM = new HeapTrimmer(
            () -> MEMORY.getHeapMemoryUsage().getCommitted(), System::gc);

    private final LongSupplier committedBytes;
    private final Runnable fullCollection;
    private long committedAfterTrim;

    HeapTrimmer(LongSupplier committedBytes, Runnable fullCollection) {
        this.committedBytes = committedBytes;
        this.fullCollection = fullCollection;
        this.committedAfterTrim = committedBytes.getAsLong();
    }

    /**
     * The one trimmer of this JVM's heap: agents sharing a JVM (the scale benchmark runs hundreds) must not each
     * collect it for the same growth.
     */
    static HeapTrimmer forThisJvm() {
        return THIS_JVM;
    }

    /** Called after each reconcile: the committed heap before and after the collection it ran, or null. */
    synchronized Trim afterReconcile() {
        long before = committedBytes.getAsLong();
        if (before - committedAfterTrim < GROWTH_BYTES) {
            return null;
        }
        fullCollection.run();
        // What stays committed now is what the live data needs: the next trim waits for as much growth again.
        committedAfterTrim = committedBytes.getAsLong();
        return new Trim(before, committedAfterTrim);
    }

    record Trim(long committedBefore, long committedAfter) {
        @Override
        public String toString() {
            return String.format("collected the heap after a large load: %d MiB committed before, %d MiB after",
                    committedBefore >> 20, committedAfter >> 20);
        }
    }
}
