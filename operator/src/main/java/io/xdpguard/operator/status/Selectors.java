package io.xdpguard.operator.status;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/** Label selector semantics, as the API server applies them; null or empty selects everything. */
public final class Selectors {
    private Selectors() {
    }

    public static boolean matches(LabelSelector selector, Map<String, String> labels) {
        Map<String, String> l = labels == null ? Map.of() : labels;
        if (selector == null) {
            return true;
        }
        if (selector.getMatchLabels() != null) {
            for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
                if (!l.containsKey(e.getKey()) || !java.util.Objects.equals(l.get(e.getKey()), e.getValue())) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                if (!matches(r, l)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean matches(LabelSelectorRequirement r, Map<String, String> labels) {
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        boolean has = labels.containsKey(r.getKey());
        return switch (r.getOperator()) {
            case "In" -> has && values.contains(labels.get(r.getKey()));
            case "NotIn" -> !has || !values.contains(labels.get(r.getKey()));
            case "Exists" -> has;
            case "DoesNotExist" -> !has;
            default -> false;
        };
    }
}
