package io.xdpguard.agent.bench;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.xdpguard.agent.cli.AgentCommand;
import io.xdpguard.agent.cluster.AgentSettings;
import io.xdpguard.agent.cluster.ClusterAgent;
import io.xdpguard.agent.cluster.DropSamples;
import io.xdpguard.agent.cluster.HostInfo;
import io.xdpguard.agent.dataplane.kernel.KernelDataplane;
import io.xdpguard.agent.metrics.AgentMetrics;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine;

/**
 * The node agent of {@link AgentBenchmark} in its own JVM when the packaged Quarkus application is not there (CI's
 * smoke test runs before `package`): the same classes as {@code xdpguard-agent run} and {@code standalone}, without
 * Quarkus' CDI and HTTP layers, configured from the same environment variables.
 * <ul>
 * <li>{@code cluster}: {@link ClusterAgent} + {@link KernelDataplane} (orphan adoption on, as in production) +
 * {@link AgentMetrics} (and the JVM memory metrics) served at {@code http://127.0.0.1:$XDPGUARD_HTTP_PORT/q/metrics};
 * API server {@code $QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL}, node {@code $NODE_NAME}, bpffs root
 * {@code $XDPGUARD_AGENT_BPFFS_ROOT}, debounce {@code $XDPGUARD_AGENT_DEBOUNCE} (e.g. 200ms).</li>
 * <li>{@code standalone ARGS}: {@code xdpguard-agent standalone ARGS} through picocli.</li>
 * </ul>
 */
public final class AgentBenchChild {
    private AgentBenchChild() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("standalone")) {
            System.exit(new CommandLine(new AgentCommand()).execute(args));
        }
        String url = System.getenv("QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL");
        KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty())
                .withMasterUrl(url).withNamespace("default").build()).build();
        KernelDataplane dataplane = new KernelDataplane(KernelDataplane.Options.defaults()
                .withBpffsRoot(Path.of(System.getenv("XDPGUARD_AGENT_BPFFS_ROOT"))));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        String debounce = System.getenv().getOrDefault("XDPGUARD_AGENT_DEBOUNCE", "200ms");
        AgentSettings settings = new AgentSettings(System.getenv("NODE_NAME"), true, true, List.of(), "default",
                Duration.ofMillis(Long.parseLong(debounce.replace("ms", ""))), Duration.ofSeconds(10),
                Duration.ofMinutes(5), Duration.ofSeconds(5), 30, "bench");
        DropSamples samples = new DropSamples(1000, 10, line -> { }, System::currentTimeMillis);
        ClusterAgent agent = new ClusterAgent(client, dataplane, HostInfo.local(), settings,
                new AgentMetrics(registry, dataplane), samples);
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                Integer.parseInt(System.getenv("XDPGUARD_HTTP_PORT"))), 0);
        http.createContext("/q/metrics", exchange -> {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        AutoCloseable subscription = dataplane.subscribe(samples);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // as ClusterAgentService on shutdown: stop, never detach
            agent.close();
            http.stop(0);
            try {
                subscription.close();
            } catch (Exception e) {
                // exiting
            }
        }));
        agent.start();
        System.out.println("STARTED " + ProcessHandle.current().pid());
        Thread.currentThread().join();
    }
}
