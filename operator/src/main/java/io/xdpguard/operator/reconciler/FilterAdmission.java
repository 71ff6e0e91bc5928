package io.xdpguard.operator.reconciler;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Node;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.spec.Rule;
import io.xdpguard.api.validation.ValidationResult;
import io.xdpguard.api.validation.Violation;
import io.xdpguard.api.validation.XdpFilterValidator;
import io.xdpguard.operator.status.Acceptance;
import io.xdpguard.operator.status.Selectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Whether a filter generation is accepted: the shared validator (what the CRD schema says, and more), then what only
 * the cluster knows: every referenced XdpCidrSet exists, and no node would hold more rules than the dataplane's
 * 8,192 rule bits (counting every filter selecting it and the failsafe rules). Pure.
 */
public final class FilterAdmission {
    /** Rule bits per interface in the dataplane, failsafe included (XG_MAX_RULES). */
    public static final int MAX_RULES_PER_NODE = 8192;
    /** Rule bits reserved for the failsafe rules when they are on (the agent's defaults use 3, 4 with source CIDRs). */
    public static final int FAILSAFE_RULE_BUDGET = 5;

    private FilterAdmission() {
    }

    /** Another accepted filter, as it runs: its selector and rule count. */
    public record RunningFilter(String name, LabelSelector nodeSelector, int ruleCount) {
    }

    public static Acceptance admit(XdpFilter filter, Set<String> cidrSets, List<RunningFilter> others, List<Node> nodes,
            boolean failsafeEnabled) {
        ValidationResult result = XdpFilterValidator.validate(filter);
        if (!result.valid()) {
            return Acceptance.rejected(Acceptance.INVALID, result.summary());
        }
        List<Violation> missing = new ArrayList<>();
        List<Rule> rules = filter.getSpec().getRules() == null ? List.of() : filter.getSpec().getRules();
        for (int i = 0; i < rules.size(); i++) {
            List<String> sets = rules.get(i).getSourceSets() == null ? List.of() : rules.get(i).getSourceSets();
            for (int j = 0; j < sets.size(); j++) {
                if (!cidrSets.contains(sets.get(j))) {
                    missing.add(new Violation("spec.rules[" + i + "].sourceSets[" + j + "]",
                            "XdpCidrSet \"" + sets.get(j) + "\" does not exist"));
                }
            }
        }
        if (!missing.isEmpty()) {
            return Acceptance.rejected(Acceptance.UNKNOWN_CIDR_SET, new ValidationResult(missing).summary());
        }
        int failsafe = failsafeEnabled ? FAILSAFE_RULE_BUDGET : 0;
        String name = filter.getMetadata().getName();
        int worst = -1;
        String worstNode = null;
        int worstOthers = 0;
        for (Node node : nodes) {
            if (!Selectors.matches(filter.getSpec().getNodeSelector(), node.getMetadata().getLabels())) {
                continue;
            }
            int othersOnNode = others.stream().filter(o -> !o.name().equals(name))
                    .filter(o -> Selectors.matches(o.nodeSelector(), node.getMetadata().getLabels()))
                    .mapToInt(RunningFilter::ruleCount).sum();
            int total = rules.size() + othersOnNode + failsafe;
            if (total > worst) {
                worst = total;
                worstNode = node.getMetadata().getName();
                worstOthers = othersOnNode;
            }
        }
        if (worst > MAX_RULES_PER_NODE) {
            return Acceptance.rejected(Acceptance.RULE_LIMIT_EXCEEDED, "spec.rules: node " + worstNode + " would hold "
                    + worst + " rules (this filter " + rules.size() + ", other filters " + worstOthers + ", failsafe "
                    + failsafe + "), at most " + MAX_RULES_PER_NODE + " are possible");
        }
        return Acceptance.ok();
    }
}
