package io.xdpguard.e2e.cluster;

import java.time.Duration;
import java.util.function.Supplier;

/** Polling for a simulated cluster to converge. */
public final class Waits {
    private static final long POLL_MILLIS = 100;

    private Waits() {
    }

    /** Polls {@code probe} until it returns non-null and returns that, or throws naming {@code what} after {@code timeout}. */
    public static <T> T until(String what, Duration timeout, Supplier<T> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                T value = probe.get();
                if (value != null) {
                    return value;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            HttpEndpoint.sleep(POLL_MILLIS);
        }
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what, last);
    }
}
