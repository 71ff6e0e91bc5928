package io.xdpguard.agent.plan;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.xdpguard.api.v1alpha1.spec.InterfaceSelector;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Which nodes and interfaces a filter selects: Kubernetes label-selector semantics, shell globs for names. */
public final class Selection {
    private Selection() {
    }

    /** Standard LabelSelector semantics; a null or empty selector selects every node. */
    public static boolean selectsNode(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        if (selector.getMatchLabels() != null) {
            for (Map.Entry<String, String> wanted : selector.getMatchLabels().entrySet()) {
                if (!wanted.getValue().equals(labels.get(wanted.getKey()))) {
                    return false;
                }
            }
        }
        List<LabelSelectorRequirement> expressions = selector.getMatchExpressions();
        if (expressions != null) {
            for (LabelSelectorRequirement requirement : expressions) {
                if (!matches(requirement, labels)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean matches(LabelSelectorRequirement requirement, Map<String, String> labels) {
        String value = labels.get(requirement.getKey());
        List<String> values = requirement.getValues() == null ? List.of() : requirement.getValues();
        return switch (requirement.getOperator()) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> labels.containsKey(requirement.getKey());
            case "DoesNotExist" -> !labels.containsKey(requirement.getKey());
            default -> false;
        };
    }

    /** Whether the interface name matches an include glob and no exclude glob. */
    public static boolean selectsInterface(InterfaceSelector selector, String name) {
        return selector != null && anyGlob(selector.getInclude(), name) && !anyGlob(selector.getExclude(), name);
    }

    private static boolean anyGlob(List<String> globs, String name) {
        if (globs == null) {
            return false;
        }
        Path path = Path.of(name);
        return globs.stream().anyMatch(g -> FileSystems.getDefault().getPathMatcher("glob:" + g).matches(path));
    }
}
