package io.xdpguard.operator.dependent;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Node;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import io.xdpguard.operator.status.FilterStatusAggregator;
import io.xdpguard.operator.status.NodeEligibility;
import io.xdpguard.operator.status.Selectors;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Where the agent must run: the Linux nodes any filter's nodeSelector selects (an empty one: all of them), plus every
 * node whose agent still holds a filter that no longer selects it (deleted, or its selector changed) so that the agent
 * stays until it has removed it; or, with the Everywhere policy, every node while any agent is needed. Pure.
 *
 * <p>Selected nodes are named, not described: the operator labels them ({@link AgentNodeLabels}) and the DaemonSet's
 * affinity asks for the label, so that a new selector moves agents on the nodes it changes only, instead of changing
 * the pod template and rolling every agent.
 */
public final class AgentPlacement {

    private AgentPlacement() {
    }

    /** No agent at all, an agent on every node, or on these nodes. */
    public sealed interface Placement {
    }

    public record NoAgent() implements Placement {
    }

    public record AllNodes() implements Placement {
    }

    /** @param nodes node names, sorted */
    public record SelectedNodes(List<String> nodes) implements Placement {
    }

    /**
     * @param selectors each filter's nodeSelector in force (the accepted one), by filter name
     * @param nodeStates the agents' reports
     * @param nodes the cluster's nodes
     * @param everywhere every node as soon as an agent is needed at all, instead of the selected nodes only
     */
    public static Placement build(Map<String, LabelSelector> selectors, List<XdpNodeState> nodeStates, List<Node> nodes,
            boolean everywhere) {
        Map<String, Node> byName = nodes.stream()
                .collect(Collectors.toMap(n -> n.getMetadata().getName(), Function.identity(), (a, b) -> a));
        Set<String> placed = new TreeSet<>();
        for (XdpNodeState state : nodeStates) {
            Node node = byName.get(FilterStatusAggregator.nodeName(state));
            if (node == null || state.getStatus() == null || state.getStatus().getFilters() == null) {
                continue;
            }
            boolean releasePending = state.getStatus().getFilters().stream()
                    .filter(f -> f.phase() != FilterPhase.NotSelected)
                    .anyMatch(f -> !selectors.containsKey(f.name())
                            || !Selectors.matches(selectors.get(f.name()), node.getMetadata().getLabels()));
            if (releasePending) {
                placed.add(node.getMetadata().getName());
            }
        }
        if (selectors.isEmpty() && placed.isEmpty()) {
            return new NoAgent();
        }
        // An empty selector names every node, still by label: were it AllNodes, the first or last such filter would
        // change the pod template and roll every agent.
        if (everywhere) {
            return new AllNodes();
        }
        for (Node node : nodes) {
            if (NodeEligibility.isLinux(node) && selectors.values().stream()
                    .anyMatch(s -> Selectors.matches(s, node.getMetadata().getLabels()))) {
                placed.add(node.getMetadata().getName());
            }
        }
        return new SelectedNodes(List.copyOf(placed));
    }
}
