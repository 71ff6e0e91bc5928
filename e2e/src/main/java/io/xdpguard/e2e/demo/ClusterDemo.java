package io.xdpguard.e2e.demo;

import io.xdpguard.e2e.cluster.HttpEndpoint;
import io.xdpguard.e2e.cluster.DevCluster;
import io.xdpguard.e2e.cluster.Kubectl;
import io.xdpguard.e2e.cluster.SimulatedNetwork;
import io.xdpguard.e2e.cluster.Traffic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The demo (README command 1, through scripts/demo.sh): a two-node simulated cluster, real kubectl, real XDP on the
 * nodes' interfaces, real packets. Shows a filter becoming Ready on both nodes, traffic dropped and counted, a drop
 * sample, a change taking effect, a node label change moving the filter, and deletion removing every pin.
 */
public final class ClusterDemo {
    private static final int PINGS = 10;
    private static final String FILTER = "edge-guard";
    private static final String METRIC = "xdpguard_rule_packets_total";

    private final DevCluster cluster;
    private final Kubectl kubectl;
    private final Path examples;

    private ClusterDemo(DevCluster cluster) {
        this.cluster = cluster;
        this.kubectl = cluster.kubectl();
        this.examples = cluster.binaries().examples().resolve("cluster-demo");
    }

    public static void main(String[] args) throws Exception {
        Path workDir = Files.createTempDirectory("xdpguard-demo-");
        long start = System.nanoTime();
        step("starting the simulated cluster (logs in " + workDir + ")");
        DevCluster cluster = DevCluster.start(2, workDir, line -> System.out.println("   " + line));
        Thread cleanup = new Thread(() -> {
            System.out.println("== cleaning up: agents, operator, API server, namespaces, pins");
            cluster.close();
        });
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            new ClusterDemo(cluster).run();
        } catch (RuntimeException e) {
            System.out.println();
            System.out.println("== demo FAILED: " + e.getMessage() + " (operator and agent logs in " + workDir + ")");
            e.printStackTrace();
            System.exit(1);
        }
        System.out.printf("%n== done in %d s%n", (System.nanoTime() - start) / 1_000_000_000L);
        // Informer and server threads are not daemons: the shutdown hook stops them.
        System.exit(0);
    }

    private void run() {
        step("kubectl apply -f examples/cluster-demo/edge-guard.yaml  (drop the sources of XdpCidrSet demo-blocklist on ext* of role=edge nodes)");
        show(kubectl.ok("apply", "-f", examples.resolve("edge-guard.yaml").toString()));
        cluster.awaitFilter(FILTER, 1, 2);
        show(kubectl.ok("get", "xdpf"));
        // The operator labels the nodes the agent DaemonSet is to run on.
        show(kubectl.ok("get", "nodes", "-L", "role,xdpguard.io/agent"));
        for (String node : cluster.nodes()) {
            show(node + " ext0: " + cluster.xdpOnExternalInterface(node));
        }

        step("traffic from the client namespace: " + PINGS + " pings per source to each node's ext0");
        for (String node : cluster.nodes()) {
            pings(node);
        }
        step("per-rule counters from the agents' metrics (what Prometheus scrapes)");
        for (String node : cluster.nodes()) {
            show(node + ": " + METRIC + "{filter=\"" + FILTER + "\",rule=\"blocklist\"} = "
                    + (long) cluster.agentEndpoint(node).counter(METRIC, "filter=\"" + FILTER + "\"", "rule=\"blocklist\""));
        }
        step("a drop sample from node-1 (GET /drops on its agent, from the node: kubectl port-forward's way in)");
        show(firstSample(cluster.agentEndpoint("node-1")));

        step("kubectl apply -f examples/cluster-demo/edge-guard-v2.yaml  (adds rule quarantine: drop 10.78.1.1)");
        show(kubectl.ok("apply", "-f", examples.resolve("edge-guard-v2.yaml").toString()));
        cluster.awaitFilter(FILTER, 2, 2);
        show(kubectl.ok("get", "xdpf"));
        pings("node-1");

        step("kubectl label node node-2 role-  (node-2 leaves the filter's nodeSelector)");
        show(kubectl.ok("label", "node", "node-2", "role-"));
        cluster.awaitFilter(FILTER, 2, 1);
        show(kubectl.ok("get", "xdpf"));
        show("node-2 ext0: " + orNone(cluster.xdpOnExternalInterface("node-2")) + ", pins: " + cluster.pins("node-2").size());
        pings("node-2");

        step("kubectl delete xdpf edge-guard --wait=false  (the agents detach, then the operator releases its finalizer)");
        show(kubectl.ok("delete", "xdpf", FILTER, "--wait=false"));
        cluster.awaitFilterRemoved(FILTER);
        show(kubectl.ok("get", "xdpf"));
        for (String node : cluster.nodes()) {
            show(node + " ext0: " + orNone(cluster.xdpOnExternalInterface(node)) + ", pins under "
                    + io.xdpguard.e2e.cluster.SimulatedKubelet.bpffsRoot(node) + ": " + cluster.pins(node).size());
        }
        pings("node-1");
    }

    private void pings(String node) {
        int i = cluster.index(node);
        String destination = SimulatedNetwork.externalAddress(i);
        for (String source : List.of(SimulatedNetwork.allowedClient(i), SimulatedNetwork.blockedClient(i))) {
            int answered = Traffic.ping(source, destination, PINGS);
            show(String.format("%-12s -> %-10s (%s): %2d/%d answered", source, destination, node, answered, PINGS));
        }
    }

    private static String firstSample(HttpEndpoint agent) {
        String json = agent.drops().trim();
        int end = json.indexOf('}');
        return json.startsWith("[{") && end > 0 ? json.substring(1, end + 1) : json;
    }

    private static String orNone(String xdp) {
        return xdp.isEmpty() ? "no XDP program" : xdp;
    }

    private static void step(String what) {
        System.out.println();
        System.out.println("== " + what);
    }

    private static void show(String text) {
        text.lines().forEach(line -> System.out.println("   " + line));
    }
}
