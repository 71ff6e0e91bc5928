package io.xdpguard.agent.cluster;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import io.xdpguard.api.v1alpha1.status.XdpNodeStateStatus;
import java.net.HttpURLConnection;

/**
 * Writes this node's XdpNodeState, and nothing else: created (owned by the Node, so that it goes with it) when it
 * does not exist, its status replaced through the status subresource (PUT, optimistic on resourceVersion) only when
 * the computed status differs from the last one written. Not thread-safe: the reconciler thread owns it.
 */
final class NodeStateWriter {
    private final KubernetesClient client;
    private final String nodeName;
    private XdpNodeStateStatus written;
    private XdpNodeStateStatus wanted;
    private String resourceVersion;
    private volatile long writes;

    NodeStateWriter(KubernetesClient client, String nodeName) {
        this.client = client;
        this.nodeName = nodeName;
    }

    /** The status last known to be stored, for carrying condition transition times over. */
    XdpNodeStateStatus written() {
        return written;
    }

    /** Whether a wanted status has not been written yet (the API server was unreachable). */
    boolean pending() {
        return wanted != null && !wanted.equals(written);
    }

    long writes() {
        return writes;
    }

    /** Makes the stored status {@code status}; returns whether anything was written. Throws when the API fails. */
    boolean write(XdpNodeStateStatus status, Node node) {
        wanted = status;
        return flush(node);
    }

    /** Writes the wanted status if it is not stored yet. */
    boolean flush(Node node) {
        if (wanted == null || wanted.equals(written)) {
            return false;
        }
        if (resourceVersion == null) {
            XdpNodeState existing = client.resources(XdpNodeState.class).withName(nodeName).get();
            if (existing == null) {
                existing = client.resources(XdpNodeState.class).resource(fresh(node)).create();
                writes++;
            }
            resourceVersion = existing.getMetadata().getResourceVersion();
            written = existing.getStatus();
            if (wanted.equals(written)) {
                return false;
            }
        }
        try {
            put();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT && e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                throw e;
            }
            resourceVersion = null;
            written = null;
            return flush(node);
        }
        return true;
    }

    private void put() {
        XdpNodeState state = new XdpNodeState();
        state.setMetadata(new ObjectMetaBuilder().withName(nodeName).withResourceVersion(resourceVersion).build());
        state.setStatus(wanted);
        XdpNodeState stored = client.resources(XdpNodeState.class).resource(state).updateStatus();
        writes++;
        resourceVersion = stored.getMetadata().getResourceVersion();
        written = wanted;
    }

    private XdpNodeState fresh(Node node) {
        XdpNodeState state = new XdpNodeState();
        state.setMetadata(new ObjectMetaBuilder().withName(nodeName)
                .addToLabels("app.kubernetes.io/managed-by", "xdpguard-agent")
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node")
                        .withName(node.getMetadata().getName()).withUid(node.getMetadata().getUid()).build())
                .build());
        return state;
    }
}
