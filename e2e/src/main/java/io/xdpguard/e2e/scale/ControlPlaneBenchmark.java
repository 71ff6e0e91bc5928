package io.xdpguard.e2e.scale;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import io.xdpguard.api.v1alpha1.status.FilterNodeStatus;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import io.xdpguard.api.v1alpha1.status.XdpFilterStatus;
import io.xdpguard.e2e.apiserver.DevApiServer;
import io.xdpguard.e2e.cluster.Binaries;
import io.xdpguard.e2e.cluster.OperatorProcess;
import io.xdpguard.e2e.apiserver.RequestLog;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * The control-plane scale benchmark (docs/benchmarks/control-plane.md): for each N, an API server, N Node objects,
 * the real operator as a separate process, and N simulated agents ({@link SimulatedAgents}) in this JVM. Then
 * <ol>
 *   <li>{@code startup}: the agents start and each reports its first sync;</li>
 *   <li>{@code apply}: a filter selecting every node is created → time until it is Ready with all N enforcing;</li>
 *   <li>{@code rule_change}: its rules change → time until all N node states report the new generation, and until the
 *   filter is Ready again.</li>
 * </ol>
 * After each phase the benchmark waits until nobody has written for {@link #QUIET}, then counts the requests the
 * server answered in the phase, split by agents and operator. Each figure is one JSON line.
 *
 * <p>Usage: {@code ControlPlaneBenchmark [--nodes 50,200,1000] [--operator-jar PATH] [--work-dir DIR]}.
 */
public final class ControlPlaneBenchmark {
    static final String USER_AGENT = "xdpguard-bench";
    static final String FILTER = "bench-all-nodes";
    static final Duration QUIET = Duration.ofSeconds(2);
    /** Agents start in batches, each synced before the next, as a DaemonSet rollout would bring them up. */
    static final int START_BATCH = 50;
    private static final long START = System.nanoTime();

    private final Binaries binaries;
    private final Path workDir;
    private final Duration timeout;
    private final Consumer<Map<String, Object>> out;

    public ControlPlaneBenchmark(Binaries binaries, Path workDir, Duration timeout, Consumer<Map<String, Object>> out) {
        this.binaries = binaries;
        this.workDir = workDir;
        this.timeout = timeout;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = List.of(50, 200, 1000);
        Path work = Path.of("target/bench-control-plane");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--nodes" -> sizes = java.util.Arrays.stream(args[i + 1].split(",")).map(Integer::valueOf).toList();
                case "--work-dir" -> work = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        PrintStream stdout = System.out;
        ControlPlaneBenchmark bench = new ControlPlaneBenchmark(Binaries.ofCheckout(), work, Duration.ofMinutes(5), figure -> {
            stdout.println(Serialization.asJson(figure));
            stdout.flush();
        });
        for (int n : sizes) {
            bench.run(n);
        }
        System.exit(0); // Vert.x and the mock server leave non-daemon threads behind
    }

    /** One complete run with {@code n} nodes; emits the startup, apply and rule_change figures, returns them. */
    public List<Map<String, Object>> run(int n) throws Exception {
        List<Map<String, Object>> figures = new ArrayList<>();
        Consumer<Map<String, Object>> emit = f -> {
            figures.add(f);
            out.accept(f);
        };
        List<String> names = IntStream.range(0, n).mapToObj(i -> String.format(Locale.ROOT, "node-%05d", i)).toList();
        progress("N=%d: starting the API server and creating %d nodes", n, n);
        try (DevApiServer api = DevApiServer.start("127.0.0.1", 0); KubernetesClient driver = client(api.url())) {
            progress("N=%d: API server at %s", n, api.url());
            for (int i = 0; i < n; i++) {
                driver.nodes().resource(node(names.get(i), i)).create();
            }
            progress("N=%d: starting the operator", n);
            try (OperatorProcess operator = OperatorProcess.start(binaries, api.url(), freePort(),
                    workDir.toAbsolutePath().resolve("operator-" + n + ".log"));
                    SimulatedAgents agents = new SimulatedAgents()) {
                SharedIndexInformer<XdpFilter> filters = driver.resources(XdpFilter.class).inform();
                SharedIndexInformer<XdpNodeState> states = driver.resources(XdpNodeState.class).inform();
                Cpu cpu = new Cpu(operator.pid());

                // startup
                awaitQuiet(api);
                api.requests().clear();
                cpu.mark();
                long t = System.nanoTime();
                for (int from = 0; from < n; from += START_BATCH) {
                    int to = Math.min(n, from + START_BATCH);
                    agents.start(api.url(), names.subList(from, to));
                    await(() -> agents.synced() == to && reporting(states, to), to + " agents synced and reporting");
                }
                long startupMs = ms(t);
                emit.accept(figure("startup", n, timings("ms_all_agents_synced", startupMs), awaitQuiet(api), cpu));

                // apply
                api.requests().clear();
                cpu.mark();
                t = System.nanoTime();
                XdpFilter created = driver.resources(XdpFilter.class).resource(filter(List.of("23"))).create();
                long generation = created.getMetadata().getGeneration();
                long[] allEnforcing = {0};
                await(() -> {
                    if (allEnforcing[0] == 0 && enforcing(states, generation) == n) {
                        allEnforcing[0] = System.nanoTime();
                    }
                    return ready(filters, generation, n);
                }, "the filter Ready with " + n + " nodes enforcing generation " + generation);
                long readyMs = ms(t);
                await(() -> enforcing(states, generation) == n, "every node state at generation " + generation);
                long nodesMs = allEnforcing[0] == 0 ? ms(t) : (allEnforcing[0] - t) / 1_000_000;
                emit.accept(figure("apply", n, timings("ms_to_ready", readyMs, "ms_all_nodes_report", nodesMs), awaitQuiet(api), cpu));

                // rule change
                api.requests().clear();
                cpu.mark();
                t = System.nanoTime();
                XdpFilter changed = driver.resources(XdpFilter.class).withName(FILTER).edit(f -> {
                    f.getSpec().getRules().get(0).setPorts(List.of("23", "2323"));
                    return f;
                });
                long next = changed.getMetadata().getGeneration();
                if (next == generation) {
                    throw new IllegalStateException("the API server did not bump the generation on a spec change");
                }
                long[] reported = {0};
                await(() -> {
                    if (reported[0] == 0 && enforcing(states, next) == n) {
                        reported[0] = System.nanoTime();
                    }
                    return reported[0] != 0;
                }, "every node state at generation " + next);
                await(() -> ready(filters, next, n), "the filter Ready at generation " + next);
                long readyAgainMs = ms(t);
                emit.accept(figure("rule_change", n, timings("ms_to_ready", readyAgainMs, "ms_all_nodes_report",
                        (reported[0] - t) / 1_000_000), awaitQuiet(api), cpu));

                filters.close();
                states.close();
                progress("N=%d: done, stopping the agents and the operator", n);
            }
        }
        return figures;
    }

    private static Map<String, Object> timings(Object... keyValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            out.put((String) keyValues[i], keyValues[i + 1]);
        }
        return out;
    }

    private Map<String, Object> figure(String phase, int n, Map<String, Object> timings, RequestCounts counts, Cpu cpu) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("benchmark", "control-plane");
        f.put("phase", phase);
        f.put("nodes", n);
        f.putAll(timings);
        f.put("writes_per_node", round(counts.changeWrites() / (double) n));
        f.put("agent_writes", counts.agentWrites());
        f.put("operator_writes", counts.operatorWrites());
        f.put("operator_lease_writes", counts.leaseWrites());
        f.put("requests", counts.agentRequests() + counts.operatorRequests());
        f.put("requests_per_node", round((counts.agentRequests() + counts.operatorRequests()) / (double) n));
        f.put("agent_requests", counts.agentRequests());
        f.put("operator_requests", counts.operatorRequests());
        f.put("watches_opened", counts.agentWatches() + counts.operatorWatches());
        f.put("error_responses", counts.errors());
        long operatorCpu = cpu.operatorMs();
        long ownCpu = cpu.ownMs();
        f.put("operator_cpu_ms", operatorCpu);
        f.put("agents_jvm_cpu_ms", ownCpu);
        f.put("cpu_ms_per_node", round((operatorCpu + ownCpu) / (double) n));
        f.put("load_average", round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        return f;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** Waits until no request but lease renewals and our own has been answered for {@link #QUIET}; counts them all. */
    private RequestCounts awaitQuiet(DevApiServer api) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = -1;
        long quietSince = System.nanoTime();
        while (true) {
            List<RequestLog.RequestRecord> requests = api.requests().all();
            int changing = (int) requests.stream()
                    .filter(r -> !USER_AGENT.equals(r.userAgent()) && !RequestCounts.resource(r.path()).equals(RequestCounts.LEASES))
                    .count();
            if (changing != seen) {
                seen = changing;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince > QUIET.toNanos()) {
                return RequestCounts.of(requests, USER_AGENT);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the control plane did not go quiet within " + timeout);
            }
            sleep(100);
        }
    }

    private void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
            }
            sleep(10);
        }
    }

    private static boolean reporting(SharedIndexInformer<XdpNodeState> states, int n) {
        return states.getStore().list().stream().filter(s -> s.getStatus() != null && s.getStatus().getConditions() != null
                && s.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType())
                        && "True".equals(c.getStatus()))).count() == n;
    }

    /** Node states whose entry for the filter is Enforcing at {@code generation}. */
    private static long enforcing(SharedIndexInformer<XdpNodeState> states, long generation) {
        return states.getStore().list().stream().filter(s -> s.getStatus() != null && s.getStatus().getFilters() != null
                && s.getStatus().getFilters().stream().anyMatch(f -> isEnforcing(f, generation))).count();
    }

    private static boolean isEnforcing(FilterNodeStatus f, long generation) {
        return FILTER.equals(f.name()) && f.phase() == FilterPhase.Enforcing && Objects.equals(f.appliedGeneration(), generation);
    }

    private static boolean ready(SharedIndexInformer<XdpFilter> filters, long generation, int n) {
        XdpFilter f = filters.getStore().getByKey(FILTER);
        if (f == null || f.getStatus() == null) {
            return false;
        }
        XdpFilterStatus s = f.getStatus();
        return Objects.equals(s.getObservedGeneration(), generation) && s.getNodes() != null && s.getNodes().enforcing() == n
                && s.getConditions() != null && s.getConditions().stream().anyMatch(c -> XdpFilterStatus.READY.equals(c.getType())
                        && "True".equals(c.getStatus()) && Objects.equals(c.getObservedGeneration(), generation));
    }

    static XdpFilter filter(List<String> ports) {
        return Filters.filter(FILTER, """
                interfaces: {include: [eth0]}
                rules:
                  - {name: telnet, action: Drop, protocol: TCP, ports: [%s]}
                """.formatted(String.join(", ", ports.stream().map(p -> "\"" + p + "\"").toList())));
    }

    static Node node(String name, int i) {
        return new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name)
                .addToLabels("xdpguard.io/bench", "true").endMetadata()
                .withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255))
                .endAddress()
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
                .withLastTransitionTime("2026-01-01T00:00:00Z").endCondition()
                .endStatus().build();
    }

    static KubernetesClient client(String url) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty()).withMasterUrl(url)
                .withUserAgent(USER_AGENT).build()).build();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void progress(String format, Object... args) {
        System.err.printf(Locale.ROOT, "[bench %6.1fs] %s%n", (System.nanoTime() - START) / 1e9, String.format(Locale.ROOT, format, args));
    }

    /** CPU time of the operator process and of this JVM (the agents, the API server, the benchmark) per phase. */
    private static final class Cpu {
        private final long operatorPid;
        private long operatorAt;
        private long ownAt;

        Cpu(long operatorPid) {
            this.operatorPid = operatorPid;
        }

        void mark() {
            operatorAt = operatorNanos();
            ownAt = ownNanos();
        }

        long operatorMs() {
            return (operatorNanos() - operatorAt) / 1_000_000;
        }

        long ownMs() {
            return (ownNanos() - ownAt) / 1_000_000;
        }

        private long operatorNanos() {
            return ProcessHandle.of(operatorPid).flatMap(p -> p.info().totalCpuDuration()).map(Duration::toNanos).orElse(0L);
        }

        private static long ownNanos() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        }
    }
}
