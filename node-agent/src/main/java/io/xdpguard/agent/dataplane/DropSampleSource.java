package io.xdpguard.agent.dataplane;

import io.xdpguard.agent.dataplane.kernel.DropSample;
import java.util.function.Consumer;

/**
 * Where sampled drops come from: the kernel's ring buffer (implemented next to the kernel dataplane over
 * {@code Classifier.dropSamples}), or a fake in tests. The cluster agent keeps the last samples in memory, serves
 * them over HTTP and logs them at a bounded rate.
 */
public interface DropSampleSource {

    /**
     * Starts delivering samples to {@code consumer} (on the source's own thread) until the returned handle is
     * closed. The consumer must be fast and never throw.
     */
    AutoCloseable subscribe(Consumer<DropSample> consumer);

    /** A source that never delivers anything (no kernel, or sampling unavailable). */
    static DropSampleSource none() {
        return consumer -> () -> {
        };
    }
}
