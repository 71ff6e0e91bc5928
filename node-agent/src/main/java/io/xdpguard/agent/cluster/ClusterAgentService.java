package io.xdpguard.agent.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.DropSampleSource;
import io.xdpguard.agent.metrics.AgentMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** The cluster agent as a Quarkus bean: built from configuration when {@code run} starts it, stopped on shutdown. */
@ApplicationScoped
public class ClusterAgentService {
    /** The last reconcile at shutdown must end well within the pod's termination grace period (30 s by default). */
    private static final Duration SHUTDOWN_RECONCILE_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger SAMPLE_LOG = Logger.getLogger("io.xdpguard.agent.drops");

    @Inject
    AgentConfig config;
    @Inject
    KubernetesClient client;
    @Inject
    Dataplane dataplane;
    @Inject
    DropSampleSource sampleSource;
    @Inject
    MeterRegistry registry;
    @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev")
    String version;

    private volatile ClusterAgent agent;
    private volatile DropSamples samples;
    private AutoCloseable subscription;

    /** Starts the agent (informers, reconciler, sample consumer); idempotent. */
    public synchronized ClusterAgent start() {
        if (agent != null) {
            return agent;
        }
        AgentSettings settings = settings(config, version);
        samples = new DropSamples(config.samples().bufferSize(), config.samples().logPerSecond(), SAMPLE_LOG::info,
                System::currentTimeMillis);
        FunctionCounter.builder(AgentMetrics.DROP_SAMPLES, samples, DropSamples::received)
                .description("Drop samples received from the kernel").register(registry);
        FunctionCounter.builder(AgentMetrics.DROP_SAMPLE_LOGS_SUPPRESSED, samples, DropSamples::suppressedLogs)
                .description("Drop samples not logged (over the log rate); still in GET /drops").register(registry);
        agent = new ClusterAgent(client, dataplane, HostInfo.local(), settings, new AgentMetrics(registry, dataplane), samples);
        agent.start();
        subscription = sampleSource.subscribe(samples);
        return agent;
    }

    static AgentSettings settings(AgentConfig config, String version) {
        String node = config.nodeName().filter(n -> !n.isBlank())
                .orElseThrow(() -> new IllegalStateException("the node name is not set: NODE_NAME or xdpguard.agent.node-name"));
        return new AgentSettings(node, config.failsafe().enabled(), config.failsafe().nodeAddresses(),
                config.failsafe().extraCidrs().orElse(List.of()), config.eventNamespace(), config.debounce(),
                config.interfaceRescan(), config.resync(), config.statusRetry(), config.eventsPerMinute(), version);
    }

    /** Null until started. */
    public ClusterAgent agent() {
        return agent;
    }

    /** Null until started. */
    public DropSamples samples() {
        return samples;
    }

    void stop(@Observes ShutdownEvent event) {
        synchronized (this) {
            if (subscription != null) {
                try {
                    subscription.close();
                } catch (Exception e) {
                    // shutting down
                }
            }
            if (agent != null) {
                agent.finishPendingChanges(SHUTDOWN_RECONCILE_TIMEOUT);
                agent.close();
            }
        }
    }

}
