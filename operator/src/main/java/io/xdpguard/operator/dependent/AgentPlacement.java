package io.xdpguard.operator.dependent;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import io.xdpguard.operator.status.FilterStatusAggregator;
import io.xdpguard.operator.status.Selectors;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Where the agent must run: the OR of every filter's nodeSelector, plus every node whose agent still holds a filter
 * that no longer selects it (deleted, or its selector changed) so that the agent stays until it has removed it; or,
 * with the Everywhere policy, every node while any agent is needed. Pure.
 */
public final class AgentPlacement {
    /** The field a node-name term matches. */
    static final String NODE_NAME_FIELD = "metadata.name";

    private AgentPlacement() {
    }

    /** No agent at all, an agent on every node, or on the nodes any of these terms selects. */
    public sealed interface Placement {
    }

    public record NoAgent() implements Placement {
    }

    public record AllNodes() implements Placement {
    }

    public record SelectedNodes(List<NodeSelectorTerm> terms) implements Placement {
    }

    /**
     * @param selectors each filter's nodeSelector in force (the accepted one), by filter name
     * @param nodeStates the agents' reports
     * @param nodes the cluster's nodes (to tell whether a held filter still selects its node)
     * @param everywhere every node as soon as an agent is needed at all (a pod template that placement changes
     *                   leave alone), instead of the selected nodes only
     */
    public static Placement build(Map<String, LabelSelector> selectors, List<XdpNodeState> nodeStates, List<Node> nodes,
            boolean everywhere) {
        Map<String, Node> byName = nodes.stream()
                .collect(Collectors.toMap(n -> n.getMetadata().getName(), Function.identity(), (a, b) -> a));
        Set<String> heldElsewhere = new TreeSet<>();
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
                heldElsewhere.add(node.getMetadata().getName());
            }
        }
        if (selectors.isEmpty() && heldElsewhere.isEmpty()) {
            return new NoAgent();
        }
        if (everywhere || selectors.values().stream().anyMatch(Selectors::selectsEverything)) {
            return new AllNodes();
        }
        Set<NodeSelectorTerm> terms = new LinkedHashSet<>();
        new TreeMap<>(selectors).values().forEach(s -> terms.add(term(s)));
        if (!heldElsewhere.isEmpty()) {
            terms.add(new NodeSelectorTermBuilder().addNewMatchField().withKey(NODE_NAME_FIELD).withOperator("In")
                    .withValues(new ArrayList<>(heldElsewhere)).endMatchField().build());
        }
        return new SelectedNodes(List.copyOf(terms));
    }

    /** A label selector as a node selector term: matchLabels become In requirements, all ANDed. */
    static NodeSelectorTerm term(LabelSelector selector) {
        List<NodeSelectorRequirement> requirements = new ArrayList<>();
        if (selector.getMatchLabels() != null) {
            new TreeMap<>(selector.getMatchLabels()).forEach((k, v) -> requirements.add(
                    new NodeSelectorRequirementBuilder().withKey(k).withOperator("In").withValues(v).build()));
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                List<String> values = r.getValues() == null || r.getValues().isEmpty() ? null
                        : r.getValues().stream().sorted().toList();
                requirements.add(new NodeSelectorRequirementBuilder().withKey(r.getKey()).withOperator(r.getOperator())
                        .withValues(values).build());
            }
        }
        return new NodeSelectorTermBuilder().withMatchExpressions(requirements).build();
    }
}
