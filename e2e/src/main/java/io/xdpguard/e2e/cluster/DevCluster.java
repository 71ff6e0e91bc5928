package io.xdpguard.e2e.cluster;

import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.status.XdpFilterStatus;
import io.xdpguard.e2e.apiserver.DevApiServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A simulated cluster on this host: the dev API server, Node objects for network-namespace "nodes", the real operator
 * (a `java -jar` process, prod profile, leader election on) and, through {@link SimulatedKubelet}, the real agents of
 * the DaemonSet it writes. Must run inside the API namespace (see {@link SimulatedNetwork}). Nothing of the product
 * knows it is simulated: operator and agents get an API server URL and, for agents, a bpffs root per node.
 */
public final class DevCluster implements AutoCloseable {
    public static final int API_PORT = 6443;
    public static final String NAMESPACE = OperatorProcess.NAMESPACE;
    public static final String AGENT_DAEMONSET = "xdpguard-agent";
    private static final int OPERATOR_HTTP_PORT = 8080;
    private static final String USER_AGENT = "xdpguard-e2e-harness";
    /** Longest wait for the cluster to converge; seconds in practice, generous for a loaded 2-core CI machine. */
    private static final Duration WAIT = Duration.ofSeconds(90);

    private final Binaries binaries;
    private final Path workDir;
    private final Consumer<String> narrator;
    private final Map<String, Integer> nodeIndex = new LinkedHashMap<>();
    private SimulatedNetwork network;
    private DevApiServer apiServer;
    private KubernetesClient client;
    private Kubectl kubectl;
    private OperatorProcess operator;
    private SimulatedKubelet kubelet;

    private DevCluster(Binaries binaries, Path workDir, Consumer<String> narrator) {
        this.binaries = binaries;
        this.workDir = workDir;
        this.narrator = narrator;
    }

    /**
     * Starts a cluster of {@code nodes} nodes labelled {@code role=edge}; logs and kubeconfig go to {@code workDir}.
     * {@code narrator} receives one line per step.
     */
    public static DevCluster start(int nodes, Path workDir, Consumer<String> narrator) {
        DevCluster cluster = new DevCluster(Binaries.ofCheckout(), workDir, narrator);
        try {
            cluster.startAll(nodes);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private void startAll(int nodes) {
        removePins();
        network = SimulatedNetwork.create(nodes);
        narrator.accept("network: API namespace " + SimulatedNetwork.API_NAMESPACE + " (bridge "
                + SimulatedNetwork.API_ADDRESS + "), " + nodes + " node namespaces, client namespace "
                + SimulatedNetwork.CLIENT_NAMESPACE);
        apiServer = DevApiServer.start(SimulatedNetwork.API_ADDRESS, API_PORT);
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(apiServer.url())
                .withUserAgent(USER_AGENT).withRequestTimeout(10_000).build()).build();
        kubectl = Kubectl.forServer(apiServer.url(), workDir.resolve("kubeconfig"));
        narrator.accept("API server: dev API server at " + apiServer.url() + " (kubeconfig " + kubectl.kubeconfig() + ")");
        registerCluster(nodes);
        startOperator();
        kubelet = new SimulatedKubelet(client, NAMESPACE, AGENT_DAEMONSET, binaries, apiServer.url(), workDir,
                nodeIndex, narrator);
        kubelet.start();
    }

    /** What a cluster has before xdpguard is installed: nodes (as kubelets register them), the API service, the namespace. */
    private void registerCluster(int nodes) {
        for (int i = 1; i <= nodes; i++) {
            String name = SimulatedNetwork.nodeName(i);
            nodeIndex.put(name, i);
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
                    .addToLabels("kubernetes.io/hostname", name).addToLabels("kubernetes.io/os", "linux")
                    .addToLabels("role", "edge").endMetadata()
                    .withNewStatus().addNewAddress().withType("InternalIP").withAddress(SimulatedNetwork.nodeAddress(i))
                    .endAddress().addNewAddress().withType("Hostname").withAddress(name).endAddress()
                    .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
        }
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
                .create();
        client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("kubernetes")
                .endMetadata().withNewSpec().addNewPort().withName("https").withPort(443).endPort().endSpec().build())
                .create();
        client.endpoints().inNamespace("default").resource(new EndpointsBuilder().withNewMetadata()
                .withName("kubernetes").endMetadata().addNewSubset().addNewAddress().withIp(SimulatedNetwork.API_ADDRESS)
                .endAddress().addNewPort().withName("https").withPort(API_PORT).endPort().endSubset().build()).create();
        narrator.accept("cluster: nodes " + String.join(", ", nodeIndex.keySet()) + " (label role=edge), namespace "
                + NAMESPACE);
    }

    /** Starts the operator as the chart's Deployment would (one replica here). */
    public void startOperator() {
        operator = OperatorProcess.start(binaries, apiServer.url(), OPERATOR_HTTP_PORT, workDir.resolve("operator.log"));
        narrator.accept("operator: running (pid " + operator.pid() + ")");
    }

    /** Stops the operator (SIGTERM), as when its Deployment is scaled to zero. */
    public void stopOperator() {
        operator.close();
        narrator.accept("operator: stopped");
    }

    /**
     * Uninstalls as docs/install.md says, without deleting the filters first: the operator goes, the agent DaemonSet
     * is deleted (agents stop, their programs stay: fail-static), then `xdpguard-agent cleanup` runs on every node.
     */
    public void uninstall() {
        stopOperator();
        // The chart's post-delete hook: the DaemonSet, and the operator's label on the nodes (the hook's own command).
        client.apps().daemonSets().inNamespace(NAMESPACE).withName(AGENT_DAEMONSET).delete();
        narrator.accept(kubectl.ok(binaries.uninstallHookArgs("unlabel-nodes").toArray(String[]::new)).strip());
        Waits.until("every agent stopped", WAIT, () -> nodes().stream().noneMatch(n -> kubelet.agent(n).isPresent())
                ? Boolean.TRUE : null);
        for (String node : nodes()) {
            List<String> cleanup = binaries.agentCommand("cleanup", "--bpffs-root", SimulatedKubelet.bpffsRoot(node));
            narrator.accept("cleanup on " + node + ": " + Host.runIn(SimulatedNetwork.nodeNamespace(index(node)),
                    cleanup.toArray(String[]::new)).strip());
        }
    }

    public KubernetesClient client() {
        return client;
    }

    public Kubectl kubectl() {
        return kubectl;
    }

    public SimulatedKubelet kubelet() {
        return kubelet;
    }

    public Binaries binaries() {
        return binaries;
    }

    public List<String> nodes() {
        return List.copyOf(nodeIndex.keySet());
    }

    public int index(String node) {
        return nodeIndex.get(node);
    }

    /** The node's agent's HTTP endpoints. */
    public HttpEndpoint agentEndpoint(String node) {
        return HttpEndpoint.agent(index(node), 9402);
    }

    /** Every file the node's agent has pinned, relative to its bpffs root. */
    public List<String> pins(String node) {
        Path root = Path.of(SimulatedKubelet.bpffsRoot(node));
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> !Files.isDirectory(p)).map(p -> root.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The XDP attachment on the node's filtered interface as `ip link` shows it ("" when none). */
    public String xdpOnExternalInterface(String node) {
        String link = Host.runIn(SimulatedNetwork.nodeNamespace(index(node)), "ip", "-d", "link", "show",
                SimulatedNetwork.EXTERNAL_INTERFACE);
        int at = link.indexOf("prog/xdp");
        return at < 0 ? "" : link.substring(at, link.indexOf('\n', at) < 0 ? link.length() : link.indexOf('\n', at)).trim();
    }

    /**
     * Waits until filter {@code name} has accepted {@code generation} and is Ready with {@code nodes} nodes targeted
     * and enforcing it; returns it.
     */
    public XdpFilter awaitFilter(String name, long generation, int nodes) {
        return Waits.until("filter " + name + " Ready at generation " + generation + " on " + nodes + " nodes",
                WAIT, () -> {
                    XdpFilter filter = client.resources(XdpFilter.class).withName(name).get();
                    XdpFilterStatus status = filter == null ? null : filter.getStatus();
                    boolean done = status != null && status.getNodes() != null
                            && Long.valueOf(generation).equals(status.getObservedGeneration())
                            && status.getConditions().stream().anyMatch(c -> "Ready".equals(c.getType())
                                    && "True".equals(c.getStatus()) && Long.valueOf(generation).equals(c.getObservedGeneration()))
                            && status.getNodes().targeted() == nodes && status.getNodes().enforcing() == nodes;
                    return done ? filter : null;
                });
    }

    /** Waits until filter {@code name} is gone (finalizer released) and no node has a pin left (no other filter in force). */
    public void awaitFilterRemoved(String name) {
        Waits.until("filter " + name + " removed from the cluster and every node", WAIT,
                () -> client.resources(XdpFilter.class).withName(name).get() == null
                        && nodes().stream().allMatch(n -> pins(n).isEmpty()) ? Boolean.TRUE : null);
    }

    /** Stops agents and operator, the API server, deletes the namespaces and whatever pins the agents left. */
    @Override
    public void close() {
        closeQuietly(kubelet);
        closeQuietly(operator);
        closeQuietly(client);
        closeQuietly(apiServer);
        closeQuietly(network);
        removePins();
    }

    private static void removePins() {
        Path root = Path.of(SimulatedKubelet.BPFFS_ROOTS);
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            System.err.println("cleanup: " + e);
        }
    }
}
