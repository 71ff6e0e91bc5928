package io.xdpguard.operator.dependent;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.xdpguard.api.v1alpha1.Api;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The label {@value #LABEL}{@code =}{@value #VALUE} on the nodes the agent DaemonSet's affinity selects
 * ({@link AgentPlacement.SelectedNodes}). Written as a JSON merge patch of that one label: nothing else of the Node is
 * read back or overwritten, and a stale cache only repeats a patch that changes nothing.
 */
@ApplicationScoped
public class AgentNodeLabels {
    public static final String LABEL = Api.AGENT_NODE_LABEL;
    public static final String VALUE = "true";
    private static final Logger LOG = Logger.getLogger(AgentNodeLabels.class);

    private final KubernetesClient client;

    public AgentNodeLabels(KubernetesClient client) {
        this.client = client;
    }

    /** Labels the nodes of {@code wanted} that lack the label. Before the DaemonSet can need them. */
    public void add(Collection<Node> nodes, Set<String> wanted) {
        for (Node node : nodes) {
            String name = node.getMetadata().getName();
            if (wanted.contains(name) && !labelled(node)) {
                LOG.infof("Node %s gets the agent: labelling it %s=%s", name, LABEL, VALUE);
                patch(node, "\"" + VALUE + "\"");
            }
        }
    }

    /** Unlabels the labelled nodes not in {@code wanted}. After the DaemonSet no longer needs the label on them. */
    public void removeOthers(Collection<Node> nodes, Set<String> wanted) {
        for (Node node : nodes) {
            String name = node.getMetadata().getName();
            if (!wanted.contains(name) && node.getMetadata().getLabels() != null
                    && node.getMetadata().getLabels().containsKey(LABEL)) {
                LOG.infof("Node %s no longer needs the agent: removing its %s label", name, LABEL);
                patch(node, "null");
            }
        }
    }

    static boolean labelled(Node node) {
        Map<String, String> labels = node.getMetadata().getLabels();
        return labels != null && VALUE.equals(labels.get(LABEL));
    }

    private void patch(Node node, String value) {
        try {
            // On the cached object: by name alone, the client would GET the node first.
            client.nodes().resource(node).patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"metadata\":{\"labels\":{\"" + LABEL + "\":" + value + "}}}");
        } catch (KubernetesClientException e) {
            // A node deleted meanwhile needs no label; anything else fails the reconcile, which is retried.
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    /** The node names of a placement that the label must be on (none unless the agent runs on selected nodes). */
    public static Set<String> wanted(AgentPlacement.Placement placement) {
        return placement instanceof AgentPlacement.SelectedNodes selected ? Set.copyOf(selected.nodes()) : Set.of();
    }
}
