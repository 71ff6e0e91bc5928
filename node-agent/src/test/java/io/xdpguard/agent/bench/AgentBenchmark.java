package io.xdpguard.agent.bench;

import io.xdpguard.agent.dataplane.testing.AttachWatch;
import io.xdpguard.agent.dataplane.testing.UdpReceiver;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.xdpguard.agent.cluster.MockCluster;
import io.xdpguard.agent.dataplane.kernel.KernelDataplane;
import io.xdpguard.agent.dataplane.libbpf.Bpffs;
import io.xdpguard.agent.dataplane.libbpf.NetInterfaces;
import io.xdpguard.agent.dataplane.libbpf.XdpAttachment;
import io.xdpguard.agent.dataplane.testing.Commands;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import io.xdpguard.api.v1alpha1.spec.InterfaceSelector;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.Rule;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.api.v1alpha1.spec.XdpCidrSetSpec;
import io.xdpguard.api.v1alpha1.spec.XdpFilterSpec;
import io.xdpguard.api.v1alpha1.status.FilterNodeStatus;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Node agent benchmarks (not timed tests; see docs/benchmarks/control-plane.md). Run with scripts/bench-agent.sh.
 * One JSON line per figure on stdout, progress on stderr.
 * <ul>
 * <li>{@code agent_rss}: a real agent process ({@code xdpguard-agent run}, the packaged Quarkus application, or
 * {@link AgentBenchChild} without it) in cluster mode against a CRUD mock API server in this JVM, enforcing N rules
 * and C source CIDRs (XdpCidrSets of 50,000) with the real kernel dataplane on a veth: VmRSS/VmHWM from
 * /proc/PID/status, heap used before and after a full GC;</li>
 * <li>{@code agent_change_latency}: with those in force, one-rule spec changes one at a time; per change, from the
 * agent's metrics: change seen (informer event) to the atomic switch ({@code xdpguard_switch_latency_seconds}) and to
 * apply returning ({@code xdpguard_apply_latency_seconds}); from here: update sent to the XdpNodeState showing it;</li>
 * <li>{@code restart}: standalone agents (a filter file) on a veth with a steady UDP stream of should-drop and
 * should-pass datagrams from a netns, SIGTERM/SIGKILL and restart several times: leaked and lost datagrams.</li>
 * </ul>
 * Options: {@code --quick}, {@code --id xgabNNNNN} (prefix of every veth, netns and bpffs directory),
 * {@code --only agent,restart}, {@code --runtime jar|plain}, {@code --jvm-flags "..."}, {@code --debounce-ms N},
 * {@code --changes N} (one-rule changes measured; at least 1), {@code --settle-s S} (idle time before the RSS reading).
 */
public final class AgentBenchmark {

    /** Sizes of one run. */
    public record Config(int rules, int cidrs, int changes, int restarts, int pps, double holdSeconds,
            int initialTimeoutSeconds) {
        static Config full() {
            return new Config(1000, 1_000_000, 200, 6, 1000, 2.0, 600);
        }

        static Config quick() {
            return new Config(50, 2_000, 5, 2, 500, 0.5, 60);
        }

        boolean isQuick() {
            return cidrs < 1_000_000;
        }
    }

    /**
     * The agent container's JVM: the image's JAVA_OPTS_APPEND (node-agent/src/main/docker/Dockerfile), and the
     * chart limits the container to 512Mi (so a 384 MiB heap); MaxRAM recreates that limit outside a container.
     */
    static final String CONTAINER_JVM_FLAGS = "-XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:+UseSerialGC "
            + "-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:-ShrinkHeapInSteps -XX:MaxNewSize=12m -XX:TrimNativeHeapInterval=5000 -XX:+ExitOnOutOfMemoryError";
    /** The image's MALLOC_ARENA_MAX, given to the agent unless the benchmark's own environment sets one. */
    static final String CONTAINER_MALLOC_ARENA_MAX = "2";
    static final int CIDRS_PER_SET = 50_000;
    /** Changes after the agent's start that are reported apart (second slot filled, cold code). */
    static final int WARM_UP_CHANGES = 10;
    /** A change slower than this is logged with its index. */
    static final double SLOW_CHANGE_MS = 50;
    static final int ALLOWED_PORT = 5000;
    static final int DENIED_PORT = 5001;

    private Config config;
    private final Consumer<String> out;
    private final String id;
    private final Path repo;
    private Set<String> only = Set.of("agent", "restart");
    private String runtime;
    private String jvmFlags = CONTAINER_JVM_FLAGS;
    private long debounceMillis = 0;
    private long settleMillis = 3000;
    private final List<Runnable> cleanup = Collections.synchronizedList(new ArrayList<>());

    public AgentBenchmark(Config config, Consumer<String> out, String id) {
        this.config = config;
        this.out = out;
        this.id = id;
        this.repo = repoRoot();
        this.runtime = Files.isRegularFile(jar()) ? "jar" : "plain";
    }

    AgentBenchmark runtime(String runtime) {
        this.runtime = runtime;
        return this;
    }

    public static void main(String[] args) throws Exception {
        List<String> a = Arrays.asList(args);
        String id = arg(a, "--id", "xgab" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff)));
        PrintStream stdout = System.out;
        AgentBenchmark bench = new AgentBenchmark(a.contains("--quick") ? Config.quick() : Config.full(), line -> {
            stdout.println(line);
            stdout.flush();
        }, id);
        bench.only = Set.of(arg(a, "--only", "agent,restart").split(","));
        bench.runtime = arg(a, "--runtime", bench.runtime);
        bench.jvmFlags = arg(a, "--jvm-flags", bench.jvmFlags);
        bench.debounceMillis = Long.parseLong(arg(a, "--debounce-ms", "0"));
        bench.settleMillis = (long) (Double.parseDouble(arg(a, "--settle-s", "3")) * 1000);
        if (a.contains("--changes")) {
            Config c = bench.config;
            bench.config = new Config(c.rules(), c.cidrs(), Integer.parseInt(arg(a, "--changes", "0")), c.restarts(),
                    c.pps(), c.holdSeconds(), c.initialTimeoutSeconds());
        }
        try {
            bench.run();
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0); // the mock API server's threads are not daemons
    }

    private static String arg(List<String> args, String name, String otherwise) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : otherwise;
    }

    /** Runs the sections; removes every veth, netns, pin and process it made, also when one fails. */
    public void run() throws Exception {
        Thread hook = new Thread(this::cleanUp);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            emit(machine());
            if (only.contains("agent")) {
                agent();
                cleanUp();
            }
            if (only.contains("restart")) {
                restart();
            }
        } finally {
            cleanUp();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    // ---- agent: RSS and change latency ---------------------------------------------------------------------------

    private void agent() throws Exception {
        Net net = new Net(id + "a");
        Path root = bpffsRoot(id + "a");
        MockCluster cluster = startMockCluster();
        // not cluster.client(): its 2 s request timeout is too short while the mock server lists 1M CIDRs
        KubernetesClient admin = new KubernetesClientBuilder().withConfig(new ConfigBuilder(io.fabric8.kubernetes.client.Config.empty())
                .withMasterUrl(cluster.client().getMasterUrl().toString()).withNamespace("default")
                .withRequestTimeout(60_000).withConnectionTimeout(10_000).build()).build();
        cleanup.add(admin::close);
        String node = id + "-node";
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).addToLabels("bench", "agent")
                .endMetadata().withNewStatus().addNewAddress().withType("InternalIP").withAddress(net.hostIp)
                .endAddress().endStatus().build()).create();

        long t0 = System.nanoTime();
        List<String> sets = new ArrayList<>();
        Random random = new Random(42);
        for (int done = 0, n = 0; done < config.cidrs(); n++) {
            int size = Math.min(CIDRS_PER_SET, config.cidrs() - done);
            XdpCidrSet set = new XdpCidrSet();
            set.setMetadata(new ObjectMetaBuilder().withName(String.format("bench-blocklist-%02d", n)).build());
            set.setSpec(new XdpCidrSetSpec(cidrs(random, size)));
            admin.resource(set).create();
            sets.add(set.getMetadata().getName());
            done += size;
        }
        XdpFilter blocklist = filter("bench-blocklist", net.name, List.of(rule("cidrs", RuleAction.Drop, Protocol.Any,
                List.of(), List.of(), sets)));
        List<Rule> fillers = new ArrayList<>();
        for (int i = 0; i < config.rules() - 1; i++) {
            fillers.add(filler(i));
        }
        XdpFilter apps = filter("bench-apps", net.name, fillers);
        admin.resource(blocklist).create();
        apps = admin.resource(apps).create();
        log("created %d XdpCidrSets (%d CIDRs) and 2 filters (%d rules) in %.1f s", sets.size(), config.cidrs(),
                config.rules(), (System.nanoTime() - t0) / 1e9);

        int httpPort = freePort();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("NODE_NAME", node);
        env.put("QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", "http://127.0.0.1:" + URI.create(admin.getMasterUrl().toString()).getPort());
        env.put("QUARKUS_KUBERNETES_CLIENT_NAMESPACE", "default");
        env.put("XDPGUARD_AGENT_BPFFS_ROOT", root.toString());
        env.put("XDPGUARD_AGENT_DEBOUNCE", debounceMillis + "ms");
        env.put("XDPGUARD_HTTP_PORT", String.valueOf(httpPort));
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        Child agent = new Child(List.of("run"), env, "agent");
        cleanup.add(0, agent::close);
        long started = System.nanoTime();
        Map<String, Long> generations = Map.of("bench-blocklist", 1L, "bench-apps", apps.getMetadata().getGeneration());
        awaitApplied(admin, node, generations, config.initialTimeoutSeconds(), agent);
        double initialSeconds = (System.nanoTime() - started) / 1e9;
        log("agent pid %d enforcing after %.1f s", agent.pid(), initialSeconds);
        Metrics metrics = new Metrics(httpPort);

        Thread.sleep(settleMillis); // idle, as an agent is between changes
        Memory memory = memory(agent, metrics);
        emit(String.format(Locale.ROOT, "{\"bench\":\"agent_rss\",\"rules\":%d,\"cidrs\":%d,\"runtime\":\"%s\",\"jvm_flags\":\"%s\","
                + "\"malloc_arena_max\":\"%s\",\"idle_s\":%.1f,\"initial_apply_s\":%.3f,%s}", config.rules(), config.cidrs(),
                runtime, jvmFlags, System.getenv().getOrDefault("MALLOC_ARENA_MAX", CONTAINER_MALLOC_ARENA_MAX), settleMillis / 1000.0,
                initialSeconds, memory.json()));

        // one-rule changes, one at a time, the 1,000 rules / 1M CIDRs in force
        double[] switchMs = new double[config.changes()];
        double[] applyMs = new double[config.changes()];
        double[] e2eMs = new double[config.changes()];
        int extraReconciles = 0;
        Metrics.Sample before = metrics.sample();
        for (int i = 0; i < config.changes(); i++) {
            XdpFilter changed = admin.resources(XdpFilter.class).withName("bench-apps").get();
            Rule rule = changed.getSpec().getRules().get(Math.floorMod(i * 37 + 1, changed.getSpec().getRules().size()));
            rule.setProtocol(Protocol.TCP);
            rule.setIcmpTypes(new ArrayList<>());
            rule.setPorts(List.of(String.valueOf(30000 + i)));
            long sent = System.nanoTime();
            changed = admin.resource(changed).update();
            awaitApplied(admin, node, Map.of("bench-apps", changed.getMetadata().getGeneration()), 120, agent);
            e2eMs[i] = (System.nanoTime() - sent) / 1e6;
            Metrics.Sample after = metrics.sample();
            while (after.switches() == before.switches()) { // the status write may overtake nothing, but be sure
                Thread.sleep(5);
                after = metrics.sample();
            }
            long n = after.switches() - before.switches();
            extraReconciles += (int) (n - 1);
            switchMs[i] = (after.switchSeconds() - before.switchSeconds()) * 1000 / n;
            applyMs[i] = (after.applySeconds() - before.applySeconds()) * 1000 / Math.max(1, after.applies() - before.applies());
            before = after;
            if (i % 20 == 0 || config.isQuick() || switchMs[i] > SLOW_CHANGE_MS) {
                log("change %d: seen->switch %.1f ms, seen->applied %.1f ms, update->status %.1f ms", i, switchMs[i],
                        applyMs[i], e2eMs[i]);
            }
        }
        // After a start the first changes also fill the second slot and run cold code: reported apart.
        int warmUp = Math.min(WARM_UP_CHANGES, switchMs.length - 1);
        double[] steadySwitchMs = Arrays.copyOfRange(switchMs, warmUp, switchMs.length);
        emit(String.format(Locale.ROOT, "{\"bench\":\"agent_change_latency\",\"rules\":%d,\"cidrs\":%d,\"changes\":%d,"
                + "\"debounce_ms\":%d,\"runtime\":\"%s\",\"seen_to_switch_ms\":%s,\"seen_to_applied_ms\":%s,"
                + "\"update_to_status_ms\":%s,\"extra_switches\":%d,\"warm_up_changes\":%d,"
                + "\"seen_to_switch_after_warm_up_ms\":%s}", config.rules(), config.cidrs(), config.changes(),
                debounceMillis, runtime, stats(switchMs), stats(applyMs), stats(e2eMs), extraReconciles, warmUp,
                stats(steadySwitchMs)));
        Memory afterChanges = memory(agent, metrics);
        emit(String.format(Locale.ROOT, "{\"bench\":\"agent_rss_after_changes\",\"rules\":%d,\"cidrs\":%d,\"changes\":%d,%s}",
                config.rules(), config.cidrs(), config.changes(), afterChanges.json()));
        agent.close();
    }

    /** The mock API server; its first requests can time out (2 s) on a loaded machine, so it gets three tries. */
    private MockCluster startMockCluster() throws IOException {
        for (int attempt = 1; ; attempt++) {
            MockCluster cluster = new MockCluster();
            cleanup.add(cluster::close);
            try {
                return cluster.start();
            } catch (KubernetesClientException e) {
                cluster.close();
                if (attempt == 3) {
                    throw e;
                }
                log("mock API server start failed (%s), retrying", e.getMessage());
            }
        }
    }

    private void awaitApplied(KubernetesClient admin, String node, Map<String, Long> generations, int seconds, Child agent)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            XdpNodeState state;
            try {
                state = admin.resources(XdpNodeState.class).withName(node).get();
            } catch (KubernetesClientException e) { // the mock server is busy (e.g. listing 1M CIDRs to the agent)
                Thread.sleep(100);
                continue;
            }
            if (state != null && state.getStatus() != null) {
                Map<String, FilterNodeStatus> byName = new LinkedHashMap<>();
                state.getStatus().getFilters().forEach(f -> byName.put(f.name(), f));
                if (generations.entrySet().stream().allMatch(e -> byName.containsKey(e.getKey())
                        && byName.get(e.getKey()).phase() == FilterPhase.Enforcing
                        && e.getValue().equals(byName.get(e.getKey()).appliedGeneration()))) {
                    return;
                }
            }
            if (!agent.process.isAlive()) {
                throw new IllegalStateException("the agent exited " + agent.process.exitValue() + ":\n" + agent.output());
            }
            Thread.sleep(5);
        }
        XdpNodeState last = admin.resources(XdpNodeState.class).withName(node).get();
        throw new IllegalStateException("not enforcing " + generations + " within " + seconds + " s; node state: "
                + (last == null ? null : io.fabric8.kubernetes.client.utils.Serialization.asJson(last.getStatus())) + "; agent output:\n" + agent.output());
    }

    /** VmRSS/VmHWM and heap used, then a full GC (jcmd GC.run) and the same again. */
    private Memory memory(Child agent, Metrics metrics) throws Exception {
        long rss = procStatus(agent.pid(), "VmRSS");
        double heap = metrics.heapUsed();
        Commands.run(List.of("jcmd", String.valueOf(agent.pid()), "GC.run"), 60);
        Thread.sleep(1000);
        String histogram = Commands.tryRun(List.of("jcmd", String.valueOf(agent.pid()), "GC.class_histogram"), 120);
        log("heap after GC, largest classes:%n%s", String.join("\n", histogram.lines().limit(18).toList()));
        if (jvmFlags.contains("NativeMemoryTracking")) {
            log("JVM memory by area:%n%s", Commands.tryRun(List.of("jcmd", String.valueOf(agent.pid()),
                    "VM.native_memory", "summary"), 60));
        }
        return new Memory(rss, procStatus(agent.pid(), "VmRSS"), procStatus(agent.pid(), "RssAnon"),
                procStatus(agent.pid(), "RssFile"), procStatus(agent.pid(), "VmHWM"), heap, metrics.heapUsed(),
                metrics.heapCommitted());
    }

    /** RSS (before the forced GC), then after it split into anonymous memory and mapped files (libjvm, CDS, jars). */
    record Memory(long rssKib, long rssAfterGcKib, long rssAnonKib, long rssFileKib, long hwmKib, double heapUsed,
            double heapUsedAfterGc, double heapCommitted) {
        String json() {
            return String.format(Locale.ROOT, "\"rss_mib\":%.1f,\"rss_after_gc_mib\":%.1f,\"rss_anon_mib\":%.1f,"
                    + "\"rss_file_mib\":%.1f,\"peak_rss_mib\":%.1f,\"heap_used_mib\":%.1f,"
                    + "\"heap_used_after_gc_mib\":%.1f,\"heap_committed_mib\":%.1f",
                    rssKib / 1024.0, rssAfterGcKib / 1024.0, rssAnonKib / 1024.0, rssFileKib / 1024.0, hwmKib / 1024.0,
                    heapUsed / (1 << 20), heapUsedAfterGc / (1 << 20), heapCommitted / (1 << 20));
        }
    }

    static long procStatus(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException(field + " not in /proc/" + pid + "/status");
    }

    /** The agent's Prometheus endpoint. */
    static final class Metrics {
        private final HttpClient http = HttpClient.newHttpClient();
        private final URI uri;

        Metrics(int port) {
            uri = URI.create("http://127.0.0.1:" + port + "/q/metrics");
        }

        record Sample(long switches, double switchSeconds, long applies, double applySeconds) {
        }

        String scrape() throws IOException, InterruptedException {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(uri + ": HTTP " + r.statusCode());
            }
            return r.body();
        }

        Sample sample() throws IOException, InterruptedException {
            String body = scrape();
            return new Sample((long) sum(body, "xdpguard_switch_latency_seconds_count", ""),
                    sum(body, "xdpguard_switch_latency_seconds_sum", ""),
                    (long) sum(body, "xdpguard_apply_latency_seconds_count", ""),
                    sum(body, "xdpguard_apply_latency_seconds_sum", ""));
        }

        double heapUsed() throws IOException, InterruptedException {
            return sum(scrape(), "jvm_memory_used_bytes", "area=\"heap\"");
        }

        double heapCommitted() throws IOException, InterruptedException {
            return sum(scrape(), "jvm_memory_committed_bytes", "area=\"heap\"");
        }

        /** The sum of every sample of {@code name} whose labels contain {@code label}. */
        static double sum(String body, String name, String label) {
            double total = 0;
            Pattern p = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$", Pattern.MULTILINE);
            Matcher m = p.matcher(body);
            while (m.find()) {
                if (label.isEmpty() || (m.group(1) != null && m.group(1).contains(label))) {
                    total += Double.parseDouble(m.group(2));
                }
            }
            return total;
        }
    }

    // ---- restart: traffic while agents come and go ----------------------------------------------------------------

    private void restart() throws Exception {
        Net net = new Net(id + "r");
        Path root = bpffsRoot(id + "r");
        Path configDir = Files.createTempDirectory(id + "-filters");
        cleanup.add(() -> deleteTree(configDir));
        Files.writeString(configDir.resolve("filter.yaml"), """
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpFilter
                metadata: {name: bench-restart}
                spec:
                  interfaces: {include: ["%s"]}
                  rules:
                    - {name: drop-udp, action: Drop, protocol: UDP, ports: ["%d"]}
                    - {name: blocklist, action: Drop, sourceSets: [bench-restart]}
                    - {name: count-pass, action: Pass, protocol: UDP, ports: ["%d"]}
                ---
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpCidrSet
                metadata: {name: bench-restart}
                spec:
                  cidrs: [%s]
                """.formatted(net.name, DENIED_PORT, ALLOWED_PORT, String.join(", ", cidrs(new Random(7), 10_000))));
        List<String> args = List.of("standalone", "--config-dir", configDir.toString(), "--bpffs-root", root.toString(),
                "--interval-ms", "500");
        Map<String, String> env = Map.of("XDPGUARD_HTTP_PORT", String.valueOf(freePort()), "QUARKUS_HTTP_HOST", "127.0.0.1");
        Child agent = new Child(args, env, "agent-0");
        cleanup.add(0, agent::close);
        awaitEnforcing(agent, net.name);
        int progId = attachedId(net.ifindex);
        log("agent 0 enforcing, program %d", progId);
        net.sendUdp(ALLOWED_PORT, 3); // ARP resolved before the measured stream

        try (UdpReceiver allowed = new UdpReceiver(net.hostIp, ALLOWED_PORT); UdpReceiver denied = new UdpReceiver(net.hostIp, DENIED_PORT);
                AttachWatch watch = new AttachWatch(net.ifindex)) {
            long streamStart = System.nanoTime();
            Sender sender = new Sender(net, config.pps(), configDir.resolve("stop"));
            cleanup.add(0, sender::close);
            List<String> kills = new ArrayList<>();
            List<Double> downMs = new ArrayList<>();
            List<Double> readyMs = new ArrayList<>();
            Thread.sleep((long) (config.holdSeconds() * 1000));
            for (int r = 1; r <= config.restarts(); r++) {
                boolean term = r % 2 == 1;
                long k0 = System.nanoTime();
                int exit = term ? agent.terminate() : agent.kill();
                kills.add((term ? "SIGTERM" : "SIGKILL") + ":" + exit);
                Thread.sleep(500); // no agent at all
                agent = new Child(args, env, "agent-" + r);
                cleanup.add(0, agent::close);
                long s0 = System.nanoTime();
                awaitEnforcing(agent, net.name);
                readyMs.add((System.nanoTime() - s0) / 1e6);
                downMs.add((System.nanoTime() - k0) / 1e6);
                log("restart %d (%s, exit %d): new agent enforcing after %.0f ms; %s", r, term ? "SIGTERM" : "SIGKILL",
                        exit, readyMs.get(readyMs.size() - 1), agent.output().lines()
                                .filter(l -> l.startsWith("startup:")).findFirst().orElse("(no startup line)"));
                Thread.sleep((long) (config.holdSeconds() * 1000));
            }
            long[] sent = sender.stop();
            double seconds = (System.nanoTime() - streamStart) / 1e9;
            long passed = allowed.settled();
            long leaked = denied.settled();
            Set<Integer> ids = watch.stop();
            long[] counted = ruleCounters(root, net.name);
            agent.terminate();
            emit(String.format(Locale.ROOT, "{\"bench\":\"restart\",\"restarts\":%d,\"kills\":[%s],\"pps\":%d,"
                    + "\"seconds\":%.1f,\"sent_pass\":%d,\"sent_drop\":%d,\"received_pass\":%d,\"received_drop\":%d,"
                    + "\"leaked\":%d,\"lost\":%d,\"kernel_counted_drop\":%d,\"kernel_counted_pass\":%d,"
                    + "\"attached_program_ids\":%s,\"attach_polls\":%d,\"agent_down_ms\":%s,\"new_agent_ready_ms\":%s,"
                    + "\"runtime\":\"%s\"}", kills.size(), String.join(",", kills.stream().map(s -> "\"" + s + "\"").toList()),
                    config.pps(), seconds, sent[0], sent[1], passed, leaked, leaked, sent[0] - passed, counted[0], counted[1],
                    ids.stream().sorted().toList().toString().replace(" ", ""), watch.polls(), fmtArray(downMs),
                    fmtArray(readyMs), runtime));
        }
    }

    /** Waits until the standalone agent's status table shows the interface enforcing. */
    private static void awaitEnforcing(Child agent, String iface) throws InterruptedException {
        agent.await(l -> l.startsWith(iface) && l.contains("enforcing"), 120);
    }

    private static long[] ruleCounters(Path root, String iface) {
        try (KernelDataplane reader = new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(root)
                .withAdoptOrphans(false))) {
            var rules = reader.counters(iface).orElseThrow().rules();
            return new long[] {rules.get("bench-restart/drop-udp").packets(), rules.get("bench-restart/count-pass").packets()};
        } catch (RuntimeException e) {
            log("cannot read counters: %s", e);
            return new long[] {-1, -1};
        }
    }

    private static int attachedId(int ifindex) {
        XdpAttachment.Status st = XdpAttachment.query(ifindex);
        return st.drvProgId() != 0 ? st.drvProgId() : st.skbProgId();
    }

    /** A paced stream of UDP datagram pairs (one to the allowed port, one to the denied port) from the netns. */
    static final class Sender implements AutoCloseable {
        private static final String SCRIPT = """
                import os, socket, sys, time
                host, pa, pd, rate, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sa = sd = n = 0
                start = time.monotonic()
                while True:
                    now = time.monotonic()
                    if os.path.exists(stop):
                        break
                    due = int((now - start) * rate)
                    while n < due:
                        n += 1
                        try:
                            s.sendto(b'a%d' % n, (host, pa)); sa += 1
                        except OSError:
                            pass
                        try:
                            s.sendto(b'd%d' % n, (host, pd)); sd += 1
                        except OSError:
                            pass
                    time.sleep(0.002)
                print(sa, sd)
                """;
        private final Process process;
        private final Path stop;

        /** Sends until {@link #stop} is called (the script stops when the file {@code stop} exists). */
        Sender(Net net, int pairsPerSecond, Path stop) throws IOException {
            this.stop = stop;
            process = new ProcessBuilder("nsenter", "--net=/run/netns/" + net.ns, "python3", "-c", SCRIPT, net.hostIp,
                    String.valueOf(ALLOWED_PORT), String.valueOf(DENIED_PORT), String.valueOf(pairsPerSecond),
                    stop.toString()).redirectErrorStream(true).start();
        }

        /** Stops sending; returns {pass datagrams sent, drop datagrams sent}. */
        long[] stop() throws Exception {
            Files.writeString(stop, "stop");
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (process.waitFor() != 0) {
                throw new IllegalStateException("sender failed: " + text);
            }
            String[] parts = text.split("\\s+");
            return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    // ---- rules and CIDRs ------------------------------------------------------------------------------------------

    /**
     * {@code n} distinct-enough source CIDRs as a big blocklist holds them: 80% IPv4 hosts, 10% IPv4 networks
     * /16-/30, 5% IPv6 hosts, 5% IPv6 networks /32-/64; none in 10.0.0.0/8 (the benchmark's veths) or the fillers'
     * 100.64.0.0/10.
     */
    static List<String> cidrs(Random random, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(20);
            int a = 11 + random.nextInt(88);
            if (kind < 16) {
                out.add(a + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + (1 + random.nextInt(254)));
            } else if (kind < 18) {
                int len = 16 + random.nextInt(15);
                long ip = ((long) a << 24) | random.nextInt(1 << 24);
                ip &= ~((1L << (32 - len)) - 1) & 0xffffffffL;
                out.add(((ip >> 24) & 255) + "." + ((ip >> 16) & 255) + "." + ((ip >> 8) & 255) + "." + (ip & 255) + "/" + len);
            } else if (kind < 19) {
                out.add(String.format("2a0%x:%x:%x:%x::%x", random.nextInt(16), random.nextInt(0x10000),
                        random.nextInt(0x10000), random.nextInt(0x10000), 1 + random.nextInt(0xfffe)));
            } else {
                out.add(String.format("2a0%x:%x:%x::/48", random.nextInt(16), random.nextInt(0x10000), random.nextInt(0x10000)));
            }
        }
        return out;
    }

    /** Rule i of the "apps" filter, like DataplaneBenchmark's fillers: ports, ranges, ICMP, /24 and /48 sources. */
    static Rule filler(int i) {
        RuleAction action = i % 3 == 0 ? RuleAction.Pass : RuleAction.Drop;
        Protocol protocol = i % 10 == 9 ? Protocol.ICMP : i % 2 == 0 ? Protocol.TCP : Protocol.UDP;
        List<String> sources = new ArrayList<>();
        List<String> ports = List.of();
        Rule rule;
        if (i % 3 != 0) {
            sources.add("100." + (64 + (i >> 8) % 64) + "." + (i & 255) + ".0/24");
            if (i % 2 == 0) {
                sources.add("2001:db8:" + Integer.toHexString(0x1000 + i) + "::/48");
            }
        }
        if (protocol != Protocol.ICMP) {
            int p = 20000 + (i * 9) % 9000;
            ports = List.of(i % 5 == 0 ? p + "-" + (p + 7) : String.valueOf(p));
        }
        rule = rule("r" + i, action, protocol, sources, ports, List.of());
        if (protocol == Protocol.ICMP) {
            rule.setIcmpTypes(List.of(8));
        }
        if (i % 7 == 3 && protocol != Protocol.ICMP) {
            rule.setSourcePorts(List.of("53"));
        }
        return rule;
    }

    static Rule rule(String name, RuleAction action, Protocol protocol, List<String> sources, List<String> ports,
            List<String> sourceSets) {
        Rule rule = new Rule();
        rule.setName(name);
        rule.setAction(action);
        rule.setProtocol(protocol);
        rule.setSources(new ArrayList<>(sources));
        rule.setPorts(new ArrayList<>(ports));
        rule.setSourceSets(new ArrayList<>(sourceSets));
        return rule;
    }

    static XdpFilter filter(String name, String iface, List<Rule> rules) {
        XdpFilter filter = new XdpFilter();
        filter.setMetadata(new ObjectMetaBuilder().withName(name).build());
        XdpFilterSpec spec = new XdpFilterSpec();
        InterfaceSelector interfaces = new InterfaceSelector();
        interfaces.setInclude(List.of(iface));
        spec.setInterfaces(interfaces);
        spec.setRules(rules);
        filter.setSpec(spec);
        return filter;
    }

    // ---- processes, network, bpffs ---------------------------------------------------------------------------------

    private Path jar() {
        return repo.resolve("node-agent/target/quarkus-app/quarkus-run.jar");
    }

    /** An agent JVM: the packaged application (runtime jar) or {@link AgentBenchChild} on this classpath. */
    final class Child implements AutoCloseable {
        final Process process;
        private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

        Child(List<String> args, Map<String, String> env, String name) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(Arrays.asList(jvmFlags.trim().split("\\s+")));
            if (runtime.equals("jar")) {
                cmd.addAll(List.of("-jar", jar().toString()));
            } else {
                cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), AgentBenchChild.class.getName()));
            }
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().putIfAbsent("MALLOC_ARENA_MAX", CONTAINER_MALLOC_ARENA_MAX);
            pb.environment().putAll(env);
            process = pb.start();
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                        if (System.getenv("XDPGUARD_BENCH_VERBOSE") != null) {
                            System.err.println("[" + name + "] " + line);
                        }
                    }
                } catch (IOException ignored) {
                    // process gone
                }
            }, name + "-output");
            t.setDaemon(true);
            t.start();
        }

        long pid() {
            return process.pid();
        }

        void await(java.util.function.Predicate<String> line, int seconds) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                synchronized (lines) {
                    if (lines.stream().anyMatch(line)) {
                        return;
                    }
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException("agent exited " + process.exitValue() + ":\n" + output());
                }
                Thread.sleep(10);
            }
            throw new IllegalStateException("agent not ready within " + seconds + " s:\n" + output());
        }

        String output() {
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }

        int terminate() throws InterruptedException {
            process.destroy(); // SIGTERM
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            return process.waitFor();
        }

        int kill() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL
            return process.waitFor();
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** A veth whose host end {@code name} (where the agent attaches) has the peer in netns {@code ns}. */
    final class Net {
        final String name;
        final String ns;
        final String hostIp;
        final String peerIp;
        final int ifindex;

        Net(String prefix) {
            name = prefix + "h";
            ns = prefix;
            String peer = prefix + "p";
            String subnet = "10." + ThreadLocalRandom.current().nextInt(160, 200) + "." + ThreadLocalRandom.current().nextInt(0, 255) + ".";
            hostIp = subnet + "1";
            peerIp = subnet + "2";
            cleanup.add(() -> {
                Commands.tryRun(List.of("ip", "link", "del", name), 30);
                Commands.tryRun(List.of("ip", "netns", "del", ns), 30);
            });
            sh("ip", "netns", "add", ns);
            sh("ip", "link", "add", name, "type", "veth", "peer", "name", peer);
            sh("ip", "link", "set", peer, "netns", ns);
            sh("ip", "addr", "add", hostIp + "/24", "dev", name);
            sh("ip", "link", "set", name, "up");
            sh("nsenter", "--net=/run/netns/" + ns, "ip", "addr", "add", peerIp + "/24", "dev", peer);
            sh("nsenter", "--net=/run/netns/" + ns, "ip", "link", "set", peer, "up");
            sh("nsenter", "--net=/run/netns/" + ns, "ip", "link", "set", "lo", "up");
            ifindex = NetInterfaces.requireIndex(name);
        }

        void sendUdp(int port, int count) {
            Commands.run(List.of("nsenter", "--net=/run/netns/" + ns, "bash", "-c", "for i in $(seq 1 " + count
                    + "); do echo x >/dev/udp/" + hostIp + "/" + port + "; done"), 30);
        }
    }

    /** A directory on the default bpffs for one agent's pins; at the end: our programs detached, pins removed. */
    private Path bpffsRoot(String name) throws IOException {
        Bpffs.ensureMounted(Bpffs.DEFAULT_ROOT);
        Path root = Bpffs.DEFAULT_ROOT.resolve(name);
        Files.createDirectories(root);
        cleanup.add(() -> {
            try (KernelDataplane dp = new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(root)
                    .withAdoptOrphans(false))) {
                dp.removeAll();
            } catch (RuntimeException e) {
                log("cleanup of %s: %s", root, e.getMessage());
            }
            if (Files.exists(root)) {
                Bpffs.removeRecursively(root);
            }
        });
        return root;
    }

    private void cleanUp() {
        List<Runnable> steps;
        synchronized (cleanup) {
            steps = new ArrayList<>(cleanup);
            cleanup.clear();
        }
        // processes first (added at the front), then pins before the veths that carry them go
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                log("cleanup step failed: %s", e);
            }
        }
    }

    private static void sh(String... cmd) {
        Commands.run(List.of(cmd), 60);
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("node-agent/src/test/bpf")) && Files.isDirectory(p.resolve("crds/manifests"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the checkout root");
    }

    // ---- output ---------------------------------------------------------------------------------------------------

    private String machine() throws IOException {
        String load = Files.readString(Path.of("/proc/loadavg")).trim();
        String[] l = load.split(" ");
        return String.format(Locale.ROOT, "{\"bench\":\"machine\",\"kernel\":\"%s\",\"cpus\":%d,\"java\":\"%s\","
                + "\"loadavg\":[%s,%s,%s],\"mode\":\"%s\",\"runtime\":\"%s\"}",
                Commands.tryRun(List.of("uname", "-r"), 10).trim(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), l[0], l[1], l[2], config.isQuick() ? "quick" : "full", runtime);
    }

    static String stats(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"min\":%.3f}", percentile(s, 50),
                percentile(s, 99), s[s.length - 1], s[0]);
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    static String fmtArray(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).toList().toString().replace(" ", "");
    }

    private void emit(String line) {
        out.accept(line);
    }

    static void log(String format, Object... args) {
        System.err.println("[bench] " + String.format(Locale.ROOT, format, args));
    }
}
