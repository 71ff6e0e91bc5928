package io.xdpguard.agent.cluster;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.xdpguard.agent.metrics.AgentMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * The drop samples of the running agent, cluster or standalone: what {@code GET /drops} serves, counted in the
 * metrics and logged at a bounded rate (logger {@code io.xdpguard.agent.drops}).
 */
@ApplicationScoped
public class DropSampleStore {
    private static final Logger SAMPLE_LOG = Logger.getLogger("io.xdpguard.agent.drops");

    @Inject
    MeterRegistry registry;

    private volatile DropSamples current;

    /** Creates the agent's sample buffer and its counters; once per process. */
    public synchronized DropSamples start(int bufferSize, int logPerSecond) {
        if (current == null) {
            DropSamples samples = new DropSamples(bufferSize, logPerSecond, SAMPLE_LOG::info, System::currentTimeMillis);
            FunctionCounter.builder(AgentMetrics.DROP_SAMPLES, samples, DropSamples::received)
                    .description("Drop samples received from the kernel").register(registry);
            FunctionCounter.builder(AgentMetrics.DROP_SAMPLE_LOGS_SUPPRESSED, samples, DropSamples::suppressedLogs)
                    .description("Drop samples not logged (over the log rate); still in GET /drops").register(registry);
            current = samples;
        }
        return current;
    }

    /** Null until an agent started. */
    public DropSamples current() {
        return current;
    }
}
