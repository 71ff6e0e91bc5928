package io.xdpguard.e2e.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The network of the simulated cluster. The harness runs in the API namespace {@value #API_NAMESPACE}
 * (made by in-api-netns.sh), which holds the bridge {@value #BRIDGE} at {@value #API_ADDRESS}/24. Each node is a
 * network namespace with {@code eth0} on that bridge (its InternalIP, where it reaches the API server) and
 * {@code ext0} towards the client namespace, which holds one link per node with an allowed and a blocked source
 * address. Traffic stays between these namespaces.
 *
 * <pre>
 *  xge-api: xge-br 10.77.0.1 ── xge-n1 ═ eth0 10.77.0.11 [xge-node-1] ext0 10.78.1.2 ═ node-1 10.78.1.1, .66 [xge-client]
 *                             └─ xge-n2 ═ eth0 10.77.0.12 [xge-node-2] ext0 10.78.2.2 ═ node-2 10.78.2.1, .66
 * </pre>
 */
public final class SimulatedNetwork implements AutoCloseable {
    public static final String API_NAMESPACE = "xge-api";
    public static final String API_ADDRESS = "10.77.0.1";
    public static final String BRIDGE = "xge-br";
    public static final String CLIENT_NAMESPACE = "xge-client";
    /** The node-side interface the filters select (the API link eth0 is never selected). */
    public static final String EXTERNAL_INTERFACE = "ext0";

    private final int nodeCount;
    private final List<String> created = new ArrayList<>();

    private SimulatedNetwork(int nodeCount) {
        this.nodeCount = nodeCount;
    }

    /** Builds the node and client namespaces; must run inside the API namespace. */
    public static SimulatedNetwork create(int nodeCount) {
        if (!insideApiNamespace()) {
            throw new IllegalStateException("not inside the API namespace " + API_NAMESPACE
                    + ": start the harness through e2e/src/main/sh/in-api-netns.sh");
        }
        SimulatedNetwork network = new SimulatedNetwork(nodeCount);
        try {
            network.build();
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
        return network;
    }

    /**
     * Whether this process runs in the API namespace: its bridge is in this network namespace. (/proc/self/net follows
     * the namespace; /sys/class/net would not, since nsenter --net keeps the host's sysfs mount.)
     */
    public static boolean insideApiNamespace() {
        try {
            return Files.readString(Path.of("/proc/self/net/dev")).contains(BRIDGE + ":");
        } catch (IOException e) {
            return false;
        }
    }

    private void build() {
        addNamespace(CLIENT_NAMESPACE);
        for (int i = 1; i <= nodeCount; i++) {
            String ns = nodeNamespace(i);
            addNamespace(ns);
            String bridgePort = "xge-n" + i;
            Host.run("ip", "link", "add", bridgePort, "type", "veth", "peer", "name", "eth0", "netns", ns);
            Host.run("ip", "link", "set", bridgePort, "master", BRIDGE, "up");
            Host.run("ip", "-n", ns, "addr", "add", nodeAddress(i) + "/24", "dev", "eth0");
            Host.run("ip", "-n", ns, "link", "set", "eth0", "up");
            String clientSide = nodeName(i);
            Host.run("ip", "-n", CLIENT_NAMESPACE, "link", "add", clientSide, "type", "veth",
                    "peer", "name", EXTERNAL_INTERFACE, "netns", ns);
            Host.run("ip", "-n", ns, "addr", "add", externalAddress(i) + "/24", "dev", EXTERNAL_INTERFACE);
            Host.run("ip", "-n", ns, "link", "set", EXTERNAL_INTERFACE, "up");
            Host.run("ip", "-n", CLIENT_NAMESPACE, "addr", "add", allowedClient(i) + "/24", "dev", clientSide);
            Host.run("ip", "-n", CLIENT_NAMESPACE, "addr", "add", blockedClient(i) + "/24", "dev", clientSide);
            Host.run("ip", "-n", CLIENT_NAMESPACE, "link", "set", clientSide, "up");
        }
    }

    private void addNamespace(String ns) {
        Host.run("ip", "netns", "add", ns);
        created.add(ns);
        Host.run("ip", "-n", ns, "link", "set", "lo", "up");
    }

    public static String nodeName(int i) {
        return "node-" + i;
    }

    public static String nodeNamespace(int i) {
        return "xge-node-" + i;
    }

    /** The node's InternalIP, on the API bridge. */
    public static String nodeAddress(int i) {
        return "10.77.0." + (10 + i);
    }

    /** The node's address on {@code ext0}, the filtered link. */
    public static String externalAddress(int i) {
        return "10.78." + i + ".2";
    }

    /** A client source address the demo filters let through. */
    public static String allowedClient(int i) {
        return "10.78." + i + ".1";
    }

    /** A client source address the demo filters drop. */
    public static String blockedClient(int i) {
        return "10.78." + i + ".66";
    }

    /** Deletes the namespaces; their veths (and the XDP programs on them) go with them. */
    @Override
    public void close() {
        for (int i = created.size() - 1; i >= 0; i--) {
            Host.tryRun("ip", "netns", "del", created.get(i));
        }
        created.clear();
    }
}
