package io.xdpguard.operator.reconciler;

import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.spec.Rule;
import io.xdpguard.api.validation.ValidationResult;
import io.xdpguard.api.validation.Violation;
import io.xdpguard.api.validation.XdpFilterValidator;
import io.xdpguard.operator.status.Acceptance;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Whether a filter generation is accepted: the shared validator (what the CRD schema says, and more), then what only
 * the cluster knows: every referenced XdpCidrSet exists. Pure. The agents decide the same from the same inputs, so an
 * acceptance here is what they enforce.
 *
 * <p>The dataplane's limit of 8,192 rules holds per interface, counting every filter on it: only an agent knows its
 * node's interfaces, so it checks that limit, keeps the interface's previous rule set when it is exceeded and reports
 * why in its node state (the filter's status then names the nodes). A per-node count here rejected filters the agents
 * went on enforcing.
 */
public final class FilterAdmission {
    private FilterAdmission() {
    }

    public static Acceptance admit(XdpFilter filter, Set<String> cidrSets) {
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
        return Acceptance.ok();
    }
}
