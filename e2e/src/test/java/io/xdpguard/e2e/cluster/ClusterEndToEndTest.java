package io.xdpguard.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import io.xdpguard.api.v1alpha1.status.FilterNodeStatus;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole product on a simulated two-node cluster: dev API server, real kubectl, the operator and agents as
 * processes, real XDP on the nodes' interfaces and real packets. One scenario in order, each step starting from
 * the state the previous one left (as a user's session would).
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterEndToEndTest {
    private static final String FILTER = "edge-guard";
    private static final int PINGS = 10;

    @TempDir
    static Path workDir;
    private static DevCluster cluster;
    private static Kubectl kubectl;
    private static Path examples;

    @BeforeAll
    static void startCluster() {
        if (!SimulatedNetwork.insideApiNamespace()) {
            RequiresBpf.skipOrFail("the e2e tests need root: their JVM runs in the API namespace that "
                    + "e2e/src/main/sh/in-api-netns.sh creates");
        }
        if (!Files.isExecutable(Path.of(Kubectl.BINARY))) {
            RequiresBpf.skipOrFail("kubectl is not installed at " + Kubectl.BINARY);
        }
        RequiresBpf.require();
        cluster = DevCluster.start(2, workDir, line -> System.out.println("[cluster] " + line));
        kubectl = cluster.kubectl();
        examples = cluster.binaries().examples().resolve("cluster-demo");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void appliedFilterBecomesReadyOnBothNodesAndDropsTheBlocklist() {
        kubectl.ok("apply", "-f", examples.resolve("edge-guard.yaml").toString());

        cluster.awaitFilter(FILTER, 1, 2);
        assertThat(kubectl.ok("get", "xdpf")).contains(FILTER).contains("True").contains("2/2");
        for (String node : cluster.nodes()) {
            assertThat(cluster.xdpOnExternalInterface(node)).as("XDP on %s's ext0", node).startsWith("prog/xdp");
            assertAnswered(node, PINGS, 0);
            assertThat(cluster.agentEndpoint(node).counter("xdpguard_rule_packets_total", "filter=\"" + FILTER + "\"",
                    "rule=\"blocklist\"")).as("blocklist drops counted on %s", node).isGreaterThanOrEqualTo(PINGS);
            assertThat(entry(node).orElseThrow().phase()).isEqualTo(FilterPhase.Enforcing);
            assertThat(entry(node).orElseThrow().appliedGeneration()).isEqualTo(1L);
        }
        assertThat(cluster.agentEndpoint("node-1").drops()).contains(SimulatedNetwork.blockedClient(1))
                .contains("blocklist");
        HttpResponse<String> remote = cluster.agentEndpoint("node-1").fromNetwork("/drops");
        assertThat(remote.statusCode()).as("/drops from another host").isEqualTo(403);
        assertThat(remote.body()).contains("kubectl port-forward").doesNotContain(SimulatedNetwork.blockedClient(1));
    }

    @Test
    @Order(2)
    void invalidUpdateIsRejectedWhileTheLastGoodRulesKeepFiltering() {
        kubectl.ok("apply", "-f", examples.resolve("edge-guard-invalid.yaml").toString());

        XdpFilter rejected = Waits.until("the invalid generation 2 rejected", Duration.ofSeconds(60), () -> {
            XdpFilter f = cluster.client().resources(XdpFilter.class).withName(FILTER).get();
            return f.getStatus().getConditions().stream().anyMatch(c -> "Accepted".equals(c.getType())
                    && "False".equals(c.getStatus()) && Long.valueOf(2).equals(c.getObservedGeneration())) ? f : null;
        });
        assertThat(rejected.getStatus().getConditions()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("Accepted");
            assertThat(c.getMessage()).contains("10.78.1.300/32");
        });
        assertThat(rejected.getStatus().getNodes().enforcing()).isEqualTo(2);
        for (String node : cluster.nodes()) {
            FilterNodeStatus reported = Waits.until(node + " reports the rejected generation", Duration.ofSeconds(60),
                    () -> entry(node).filter(f -> f.phase() == FilterPhase.Failed).orElse(null));
            assertThat(reported.appliedGeneration()).as("generation in force on %s", node).isEqualTo(1L);
            assertThat(reported.message()).contains("10.78.1.300/32");
            assertAnswered(node, PINGS, 0);
        }

        kubectl.ok("apply", "-f", examples.resolve("edge-guard-v2.yaml").toString());
        cluster.awaitFilter(FILTER, 3, 2);
        assertThat(Traffic.ping(SimulatedNetwork.allowedClient(1), SimulatedNetwork.externalAddress(1), PINGS))
                .as("10.78.1.1 quarantined by the new rule").isZero();
        assertAnswered("node-2", PINGS, 0);
    }

    @Test
    @Order(3)
    void agentKilledUnderTrafficLeaksNothingLosesNothingAndReportsTheSame() {
        String node = "node-2";
        XdpNodeState before = nodeState(node);
        List<String> pinsBefore = cluster.pins(node);
        int count = 600;
        CompletableFuture<Integer> allowed = CompletableFuture.supplyAsync(
                () -> Traffic.ping(SimulatedNetwork.allowedClient(2), SimulatedNetwork.externalAddress(2), count));
        CompletableFuture<Integer> blocked = CompletableFuture.supplyAsync(
                () -> Traffic.ping(SimulatedNetwork.blockedClient(2), SimulatedNetwork.externalAddress(2), count));

        HttpEndpoint.sleep(1000);
        cluster.kubelet().crashAndRestart(node);

        assertThat(allowed.join()).as("allowed pings answered while the agent was killed and restarted").isEqualTo(count);
        assertThat(blocked.join()).as("blocked pings answered (leaked)").isZero();
        assertThat(cluster.pins(node)).isEqualTo(pinsBefore);
        XdpNodeState after = nodeState(node);
        assertThat(after.getStatus().getFilters()).usingRecursiveComparison().isEqualTo(before.getStatus().getFilters());
    }

    @Test
    @Order(4)
    void operatorRestartedAfterAChangeItMissedConverges() {
        long node1Agent = cluster.kubelet().agent("node-1").orElseThrow().pid();
        cluster.stopOperator();
        kubectl.ok("label", "node", "node-2", "role-");
        cluster.startOperator();

        cluster.awaitFilter(FILTER, 3, 1);
        Waits.until("node-2's pins removed", Duration.ofSeconds(60), () -> cluster.pins("node-2").isEmpty() ? true : null);
        assertThat(cluster.xdpOnExternalInterface("node-2")).isEmpty();
        assertAnswered("node-2", PINGS, PINGS);
        assertThat(Traffic.ping(SimulatedNetwork.blockedClient(1), SimulatedNetwork.externalAddress(1), PINGS)).isZero();
        // node-2's agent leaves once it has removed the filter; node-1's was not restarted by the placement change.
        Waits.until("node-2's agent stopped", Duration.ofSeconds(60),
                () -> cluster.kubelet().agent("node-2").isEmpty() ? true : null);
        assertThat(cluster.kubelet().agent("node-1").orElseThrow().pid()).as("node-1's agent process").isEqualTo(node1Agent);
    }

    @Test
    @Order(5)
    void deletedFilterLeavesNoProgramAndNoPin() {
        kubectl.ok("delete", "xdpf", FILTER, "--wait=false");

        cluster.awaitFilterRemoved(FILTER);
        for (String node : cluster.nodes()) {
            assertThat(cluster.xdpOnExternalInterface(node)).as("XDP on %s", node).isEmpty();
            assertAnswered(node, PINGS, PINGS);
        }
    }

    @Test
    @Order(6)
    void uninstallCleanupLeavesNothingInBpffsAndNoProgramOfOurs() {
        kubectl.ok("label", "node", "node-2", "role=edge");
        kubectl.ok("apply", "-f", examples.resolve("edge-guard.yaml").toString());
        cluster.awaitFilter(FILTER, 1, 2);

        cluster.uninstall();
        assertThat(cluster.client().nodes().withLabel("xdpguard.io/agent").list().getItems()).as("nodes still labelled")
                .isEmpty();

        for (String node : cluster.nodes()) {
            assertThat(cluster.pins(node)).as("pins of %s", node).isEmpty();
            assertThat(cluster.xdpOnExternalInterface(node)).as("XDP on %s", node).isEmpty();
            assertAnswered(node, PINGS, PINGS);
        }
    }

    private static void assertAnswered(String node, int allowed, int blocked) {
        int i = cluster.index(node);
        String destination = SimulatedNetwork.externalAddress(i);
        assertThat(Traffic.ping(SimulatedNetwork.allowedClient(i), destination, PINGS))
                .as("pings from the allowed source answered by %s", node).isEqualTo(allowed);
        assertThat(Traffic.ping(SimulatedNetwork.blockedClient(i), destination, PINGS))
                .as("pings from the blocked source answered by %s", node).isEqualTo(blocked);
    }

    private static XdpNodeState nodeState(String node) {
        return cluster.client().resources(XdpNodeState.class).withName(node).get();
    }

    private static Optional<FilterNodeStatus> entry(String node) {
        return nodeState(node).getStatus().getFilters().stream().filter(f -> FILTER.equals(f.name())).findFirst();
    }
}
