package io.xdpguard.operator.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Polls until an assertion holds (the operator works asynchronously; a loaded CI machine can be slow). */
public final class Await {
    private Await() {
    }

    public static void until(Duration timeout, Runnable assertion) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                assertion.run();
                return;
            } catch (AssertionError | RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            sleep(Duration.ofMillis(200));
        }
    }

    public static void until(Runnable assertion) {
        until(Duration.ofSeconds(60), assertion);
    }

    public static <T> T value(Supplier<T> supplier) {
        return supplier.get();
    }

    public static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
