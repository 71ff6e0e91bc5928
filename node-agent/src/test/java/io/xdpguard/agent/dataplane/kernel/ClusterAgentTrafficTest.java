package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.testing.UdpReceiver;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.xdpguard.agent.cluster.AgentSettings;
import io.xdpguard.agent.cluster.ClusterAgent;
import io.xdpguard.agent.cluster.DropSamples;
import io.xdpguard.agent.cluster.HostInfo;
import io.xdpguard.agent.cluster.MockCluster;
import io.xdpguard.agent.dataplane.libbpf.XdpAttachment;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import io.xdpguard.agent.metrics.AgentMetrics;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import io.xdpguard.api.v1alpha1.status.FilterNodeStatus;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import io.xdpguard.api.v1alpha1.status.XdpNodeStateStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole cluster path with the real kernel dataplane: Node and XdpFilter in a CRUD mock API server, the
 * {@link ClusterAgent} reconciling them into {@link KernelDataplane} on a test bpffs root (orphan adoption off), real
 * UDP datagrams from a netns over a veth. Checks enforcement, the XdpNodeState against what the kernel reports,
 * the per-rule packet counter as Prometheus scrapes it, a drop sample, and that deleting the filter detaches and
 * unpins.
 */
@ExtendWith(RequiresBpf.class)
class ClusterAgentTrafficTest {
    private static final String NODE = "e2e-node";
    private static final String FILTER = "e2e-udp";
    private static final String RULE = "deny-udp";
    private static final int DENIED = 5200;
    private static final int ALLOWED = 5201;

    private Lifecycle.TestNet net;
    private Path root;
    private MockCluster cluster;
    private KubernetesClient admin;
    private KubernetesClient agentClient;
    private KernelDataplane dataplane;
    private AutoCloseable subscription;
    private ClusterAgent agent;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<String> sampleLog = new CopyOnWriteArrayList<>();
    private final DropSamples samples = new DropSamples(1000, 5, sampleLog::add, System::currentTimeMillis);
    private long deniedSentWhileDropping;

    @BeforeEach
    void setUp() throws Exception {
        net = new Lifecycle.TestNet();
        root = Lifecycle.bpffsRoot();
        cluster = new MockCluster().start();
        admin = cluster.client();
    }

    @AfterEach
    void tearDown() {
        // Each step on its own: a failure of one must not leave the veth, netns or pins behind.
        quietly(() -> agent.close());
        quietly(() -> subscription.close());
        quietly(() -> dataplane.close());
        quietly(() -> agentClient.close());
        quietly(() -> admin.close());
        quietly(() -> cluster.close());
        quietly(() -> Lifecycle.cleanRoot(root));
        quietly(() -> net.close());
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void quietly(Step step) {
        try {
            step.run();
        } catch (Exception | AssertionError e) {
            // NullPointerException included: the step's object was never created
        }
    }

    @Test
    void filterFromTheApiServerDropsRealTrafficReportsCountsSamplesAndIsRemovedOnDelete() throws Exception {
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE).addToLabels("role", "edge")
                .endMetadata().withNewStatus().addNewAddress().withType("InternalIP").withAddress("10.250.0.5").endAddress()
                .endStatus().build()).create();
        XdpFilter filter = Filters.filter(FILTER, """
                nodeSelector: {matchLabels: {role: edge}}
                interfaces: {include: ["%s"]}
                rules:
                  - {name: %s, action: Drop, protocol: UDP, ports: ["%d"], sampleRate: 1}
                """.formatted(net.name, RULE, DENIED));
        filter.getMetadata().setGeneration(null);
        admin.resources(XdpFilter.class).resource(filter).create();

        dataplane = Lifecycle.dataplane(root);
        subscription = dataplane.subscribe(samples);
        agentClient = cluster.client();
        agent = new ClusterAgent(agentClient, dataplane, HostInfo.local(),
                AgentSettings.defaults(NODE).withDebounce(Duration.ofMillis(50)).withFailsafe(false),
                new AgentMetrics(registry, dataplane), samples);
        agent.start();

        // Enforcement with real datagrams.
        await(() -> XdpAttachment.query(net.ifindex).isAttached(), () -> "attached; agent state " + agent.state());
        awaitDropping();

        // The node state names what the kernel has attached.
        XdpAttachment.Status attached = XdpAttachment.query(net.ifindex);
        String mode = switch (attached.mode()) {
            case DRV -> "Native";
            case SKB -> "Generic";
            default -> throw new AssertionError("unexpected attach mode " + attached.mode());
        };
        XdpNodeStateStatus state = awaitState(s -> entry(s, FILTER) != null && entry(s, FILTER).phase() == FilterPhase.Enforcing);
        assertThat(entry(state, FILTER).interfaces()).singleElement().satisfies(i -> {
            assertThat(i.name()).isEqualTo(net.name);
            assertThat(i.programId()).as("kernel program id").isEqualTo((long) attached.progId()).isNotZero();
            assertThat(i.attachMode()).isEqualTo(mode);
        });
        assertThat(entry(state, FILTER).ruleCount()).isEqualTo(1);
        assertThat(state.getConflicts()).isEmpty();

        // The per-rule packet counter, as Prometheus scrapes it, counts at least every datagram sent while dropping.
        long sent = deniedSentWhileDropping;
        assertThat(sent).isPositive();
        await(() -> scrapedRulePackets() >= sent, () -> "rule packets >= " + sent + "; scrape:\n" + registry.scrape());
        // Map occupancy against capacity: the one rule in a slot of 8,192.
        assertThat(scraped("xdpguard_map_entries", "map=\"rules\"")).isEqualTo(1);
        assertThat(scraped("xdpguard_map_capacity", "map=\"rules\"")).isEqualTo(8192);
        assertThat(scraped("xdpguard_map_capacity", "map=\"src_ipv6_blocks\"")).isEqualTo(MapCapacities.DEFAULT_IPV6_BLOCKS_PER_SLOT);

        // A drop sample with rule key, addresses and ports.
        await(() -> !samples.query(FILTER, net.name, 10).isEmpty(), () -> "a drop sample; received " + samples.received());
        assertThat(samples.query(FILTER, net.name, 10)).allSatisfy(v -> {
            assertThat(v.rule()).isEqualTo(RULE);
            assertThat(v.reason()).isNotBlank();
            assertThat(v.protocol()).isEqualTo(17);
            assertThat(v.source()).isEqualTo(net.peerIp);
            assertThat(v.destination()).isEqualTo(net.hostIp);
            assertThat(v.sourcePort()).isPositive();
            assertThat(v.destinationPort()).isEqualTo(DENIED);
            assertThat(v.ifindex()).isEqualTo(net.ifindex);
        });
        assertThat(sampleLog).anyMatch(l -> l.contains("filter=" + FILTER) && l.contains("rule=" + RULE)
                && l.contains("dport=" + DENIED));

        // Deleting the filter releases the interface: detached, unpinned, traffic passes.
        Path pins = dataplane.interfaceDir(net.ifindex);
        assertThat(Files.exists(pins)).isTrue();
        admin.resources(XdpFilter.class).withName(FILTER).delete();
        await(() -> XdpAttachment.query(net.ifindex).progId() == 0 && !XdpAttachment.query(net.ifindex).isAttached(),
                () -> "detached; query " + XdpAttachment.query(net.ifindex));
        await(() -> !Files.exists(pins), () -> "pins removed: " + pins);
        assertThat(delivered(DENIED, 10)).isEqualTo(10);
        awaitState(s -> s.getFilters().isEmpty());
    }

    // --- traffic -----------------------------------------------------------------------------------------------

    private void awaitDropping() throws Exception {
        await(() -> delivered(DENIED, 5) == 0 && delivered(ALLOWED, 5) == 5, () -> "dropping " + DENIED);
        assertThat(delivered(DENIED, 20)).isZero();
        assertThat(delivered(ALLOWED, 20)).isEqualTo(20);
    }

    /** Sends {@code count} datagrams to the port; counts those to the denied port sent while all were dropped. */
    private long delivered(int port, int count) {
        try (UdpReceiver receiver = new UdpReceiver(net.hostIp, port)) {
            net.sendUdp(port, count);
            long got = receiver.settled();
            if (port == DENIED && got == 0) {
                deniedSentWhileDropping += count;
            }
            return got;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    // --- metrics and state ------------------------------------------------------------------------------------

    /** A gauge of the test interface with the given label, from the Prometheus text format; -1 when absent. */
    private long scraped(String metric, String label) {
        Matcher m = Pattern.compile("^" + metric + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE).matcher(registry.scrape());
        while (m.find()) {
            if (m.group(1).contains(label) && m.group(1).contains("interface=\"" + net.name + "\"")) {
                return (long) Double.parseDouble(m.group(2));
            }
        }
        return -1;
    }

    /** xdpguard_rule_packets_total for the drop rule on the test interface, from the Prometheus text format. */
    private long scrapedRulePackets() {
        Pattern line = Pattern.compile("^xdpguard_rule_packets_total\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(registry.scrape());
        while (m.find()) {
            String labels = m.group(1);
            if (labels.contains("filter=\"" + FILTER + "\"") && labels.contains("rule=\"" + RULE + "\"")
                    && labels.contains("interface=\"" + net.name + "\"") && labels.contains("action=\"Drop\"")) {
                return (long) Double.parseDouble(m.group(2));
            }
        }
        return -1;
    }

    private static FilterNodeStatus entry(XdpNodeStateStatus status, String name) {
        return status.getFilters().stream().filter(f -> f.name().equals(name)).findFirst().orElse(null);
    }

    private XdpNodeStateStatus awaitState(Predicate<XdpNodeStateStatus> condition) throws InterruptedException {
        XdpNodeStateStatus[] found = new XdpNodeStateStatus[1];
        await(() -> {
            XdpNodeState state = admin.resources(XdpNodeState.class).withName(NODE).get();
            found[0] = state == null ? null : state.getStatus();
            return found[0] != null && found[0].getFilters() != null && condition.test(found[0]);
        }, () -> "node state; last seen: " + (found[0] == null ? null : admin.getKubernetesSerialization().asYaml(found[0])));
        return found[0];
    }

    private void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what.get() + "; agent state " + agent.state());
            }
            Thread.sleep(100);
        }
    }
}
