package io.xdpguard.agent.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
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

/** The cluster agent as a Quarkus bean: built from configuration when {@code run} starts it, stopped on shutdown. */
@ApplicationScoped
public class ClusterAgentService {
    /** The last reconcile at shutdown must end well within the pod's termination grace period (30 s by default). */
    private static final Duration SHUTDOWN_RECONCILE_TIMEOUT = Duration.ofSeconds(10);

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
    @Inject
    DropSampleStore sampleStore;
    @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev")
    String version;

    private volatile ClusterAgent agent;
    private AutoCloseable subscription;

    /** Starts the agent (informers, reconciler, sample consumer); idempotent. */
    public synchronized ClusterAgent start() {
        if (agent != null) {
            return agent;
        }
        AgentSettings settings = settings(config, version);
        DropSamples samples = sampleStore.start(config.samples().bufferSize(), config.samples().logPerSecond());
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
