package io.xdpguard.e2e.cluster;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import java.util.List;
import java.util.Map;

/**
 * Whether a pod's required node affinity admits a node, as the scheduler decides it: terms are ORed, the
 * requirements of a term ANDed; matchFields supports {@code metadata.name}. Pure.
 */
final class NodeAffinity {
    private NodeAffinity() {
    }

    static boolean admits(Affinity affinity, Node node) {
        if (affinity == null || affinity.getNodeAffinity() == null
                || affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
            return true;
        }
        List<NodeSelectorTerm> terms = affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms();
        return terms.stream().anyMatch(term -> matches(term, node));
    }

    private static boolean matches(NodeSelectorTerm term, Node node) {
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        Map<String, String> fields = Map.of("metadata.name", node.getMetadata().getName());
        return nullToEmpty(term.getMatchExpressions()).stream().allMatch(r -> matches(r, labels))
                && nullToEmpty(term.getMatchFields()).stream().allMatch(r -> matches(r, fields));
    }

    private static boolean matches(NodeSelectorRequirement requirement, Map<String, String> values) {
        String value = values.get(requirement.getKey());
        List<String> operands = nullToEmpty(requirement.getValues());
        return switch (requirement.getOperator()) {
            case "In" -> value != null && operands.contains(value);
            case "NotIn" -> value == null || !operands.contains(value);
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            case "Gt" -> value != null && Long.parseLong(value) > Long.parseLong(operands.get(0));
            case "Lt" -> value != null && Long.parseLong(value) < Long.parseLong(operands.get(0));
            default -> throw new IllegalArgumentException("unknown node selector operator " + requirement.getOperator());
        };
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
