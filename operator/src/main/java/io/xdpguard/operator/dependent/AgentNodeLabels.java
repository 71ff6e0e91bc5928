package io.xdpguard.operator.dependent;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.xdpguard.api.v1alpha1.Api;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The label {@value #LABEL}{@code =}{@value #VALUE} on the nodes the agent DaemonSet's affinity selects
 * ({@link AgentPlacement.SelectedNodes}). Written as a JSON merge patch of that one label: nothing else of the Node is
 * read back or overwritten.
 *
 * <p>Whether a node carries the label is read from the informer cache, which lags behind this class's own patches:
 * what was last written to each node is remembered until the cache shows that very version of it (the patch's
 * resourceVersion), and while the two disagree the node is patched again rather than skipped (a merge patch of the
 * same value changes nothing). Not thread-safe: {@link AgentDaemonSetDependent} calls it under its lock.
 */
@ApplicationScoped
public class AgentNodeLabels {
    public static final String LABEL = Api.AGENT_NODE_LABEL;
    public static final String VALUE = "true";
    private static final Logger LOG = Logger.getLogger(AgentNodeLabels.class);

    private final KubernetesClient client;
    /** Node name to what this operator last wrote to it, until the cache holds that write. */
    private final Map<String, Written> written = new HashMap<>();
    private final Counter failures;

    private record Written(boolean labelled, String resourceVersion) {
    }

    public AgentNodeLabels(KubernetesClient client, MeterRegistry registry) {
        this.client = client;
        this.failures = Counter.builder("xdpguard.node.label.failures")
                .description("Agent label patches of Nodes that failed (retried)").register(registry);
    }

    /** Labels the nodes of {@code wanted} that may lack the label. Before the DaemonSet can need them. */
    public List<String> add(Collection<Node> nodes, Set<String> wanted) {
        List<String> failures = new ArrayList<>();
        for (Node node : nodes) {
            if (wanted.contains(node.getMetadata().getName()) && !(labelledInCache(node) && knownTo(node, true))) {
                patch(node, true, failures);
            }
        }
        return failures;
    }

    /** Unlabels the nodes not in {@code wanted} that may carry the label. After the DaemonSet no longer needs it. */
    public List<String> removeOthers(Collection<Node> nodes, Set<String> wanted) {
        List<String> failures = new ArrayList<>();
        written.keySet().retainAll(nodes.stream().map(n -> n.getMetadata().getName()).toList());
        for (Node node : nodes) {
            Map<String, String> labels = node.getMetadata().getLabels();
            boolean cached = labels != null && labels.containsKey(LABEL);
            if (!wanted.contains(node.getMetadata().getName()) && (cached || !knownTo(node, false))) {
                patch(node, false, failures);
            }
        }
        return failures;
    }

    /** The node names of a placement that the label must be on (none unless the agent runs on selected nodes). */
    public static Set<String> wanted(AgentPlacement.Placement placement) {
        return placement instanceof AgentPlacement.SelectedNodes selected ? Set.copyOf(selected.nodes()) : Set.of();
    }

    static boolean labelledInCache(Node node) {
        Map<String, String> labels = node.getMetadata().getLabels();
        return labels != null && VALUE.equals(labels.get(LABEL));
    }

    /**
     * Whether the cached node can be trusted to say {@code labelled}: nothing was written to it since, or the cache
     * holds that write already (the record is then forgotten).
     */
    private boolean knownTo(Node node, boolean labelled) {
        Written last = written.get(node.getMetadata().getName());
        if (last == null) {
            return true;
        }
        if (Objects.equals(last.resourceVersion(), node.getMetadata().getResourceVersion())) {
            written.remove(node.getMetadata().getName());
            return true;
        }
        return last.labelled() == labelled;
    }

    private void patch(Node node, boolean labelled, List<String> failures) {
        String name = node.getMetadata().getName();
        if (labelled) {
            LOG.infof("Node %s gets the agent: labelling it %s=%s", name, LABEL, VALUE);
        } else {
            LOG.infof("Node %s no longer needs the agent: removing its %s label", name, LABEL);
        }
        try {
            // On the cached object: by name alone, the client would GET the node first.
            Node patched = client.nodes().resource(node).patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"metadata\":{\"labels\":{\"" + LABEL + "\":" + (labelled ? "\"" + VALUE + "\"" : "null") + "}}}");
            written.put(name, new Written(labelled, patched.getMetadata().getResourceVersion()));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                written.remove(name); // deleted meanwhile: it needs no label
                return;
            }
            // One node's failure (a webhook, a transient error) must not stop the DaemonSet and the other nodes.
            LOG.warnf("Cannot %s the %s label of node %s: %s", labelled ? "set" : "remove", LABEL, name, e.getMessage());
            written.remove(name);
            failures.add(name + ": " + e.getMessage());
            this.failures.increment();
        }
    }
}
