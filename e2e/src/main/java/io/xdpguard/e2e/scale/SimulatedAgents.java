package io.xdpguard.e2e.scale;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.xdpguard.agent.cluster.AgentSettings;
import io.xdpguard.agent.cluster.ClusterAgent;
import io.xdpguard.agent.cluster.HostInfo;
import io.xdpguard.agent.dataplane.testing.FakeDataplane;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N node agents in one JVM, each the production {@link ClusterAgent} (its own informers, reconciler thread, node-state
 * writer and default settings) with a {@link FakeDataplane} and a host with {@code eth0} and {@code lo}.
 *
 * <p>Each agent has its own KubernetesClient (its own connection pool, watches and user agent
 * {@code xdpguard-agent/<node>}), but they share one Vert.x event loop and one task executor: a client per agent with
 * its own Vert.x instance would start ~2 event-loop threads per agent and make the JVM, not the control plane, the
 * bottleneck.
 */
final class SimulatedAgents implements AutoCloseable {
    static final String USER_AGENT_PREFIX = "xdpguard-agent/";

    private final Vertx vertx;
    private final ExecutorService tasks;
    private final List<KubernetesClient> clients = new ArrayList<>();
    private final List<ClusterAgent> agents = new ArrayList<>();

    SimulatedAgents() {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(4));
        AtomicInteger n = new AtomicInteger();
        ThreadFactory daemon = r -> {
            Thread t = new Thread(r, "agent-informer-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        tasks = Executors.newCachedThreadPool(daemon);
    }

    /** Starts one agent per node name; returns at once (the informers list in the background). */
    void start(String apiServerUrl, List<String> nodeNames) {
        VertxHttpClientFactory http = new VertxHttpClientFactory(vertx);
        for (String node : nodeNames) {
            KubernetesClient client = new KubernetesClientBuilder().withHttpClientFactory(http).withTaskExecutor(tasks)
                    .withConfig(new ConfigBuilder(Config.empty()).withMasterUrl(apiServerUrl)
                            .withUserAgent(USER_AGENT_PREFIX + node).build())
                    .build();
            clients.add(client);
            ClusterAgent agent = new ClusterAgent(client, new FakeDataplane(), HOST, AgentSettings.defaults(node), null, null);
            agents.add(agent);
            agent.start();
        }
    }

    List<ClusterAgent> agents() {
        return agents;
    }

    /** Agents whose first sync is done. */
    long synced() {
        return agents.stream().filter(a -> a.state().synced()).count();
    }

    @Override
    public void close() {
        agents.forEach(ClusterAgent::close);
        clients.forEach(KubernetesClient::close);
        tasks.shutdownNow();
        vertx.close();
    }

    private static final HostInfo HOST = new HostInfo() {
        @Override
        public List<String> interfaceNames() {
            return List.of("eth0", "lo");
        }

        @Override
        public String kernelVersion() {
            return "6.1.0-simulated";
        }

        @Override
        public boolean bpffsMounted() {
            return true;
        }
    };
}
