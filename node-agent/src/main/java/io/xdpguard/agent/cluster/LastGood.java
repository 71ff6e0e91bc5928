package io.xdpguard.agent.cluster;

import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.RuleMerger;
import io.xdpguard.agent.dataplane.rules.RuleSetException;
import io.xdpguard.agent.plan.Selection;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.spec.Rule;
import io.xdpguard.api.validation.ValidationResult;
import io.xdpguard.api.validation.XdpFilterValidator;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Decides which version of each filter this node enforces. A filter whose newest generation is valid (shared
 * validator) and usable (its CIDR sets exist) is enforced as it is and remembered as its last good version,
 * together with the CIDR sets it used. A filter whose newest generation is invalid or unusable keeps its last good
 * version in force (with those CIDR sets, if they have since disappeared), and the failure is reported. An invalid
 * XdpCidrSet likewise keeps its last valid content. Not thread-safe: the reconciler thread owns it.
 */
final class LastGood {
    /** Why the newest generation of a filter is not the one in force. */
    enum Failure {
        /** The shared validator rejected it; the message names the field. */
        Invalid,
        /** It references something missing, e.g. an XdpCidrSet that does not exist. */
        Unresolvable
    }

    /** One filter as this node sees it after resolution. */
    record Resolved(String name, long generation, boolean selected, XdpFilter inForce, Failure failure, String message) {
        Long inForceGeneration() {
            return inForce == null ? null : LastGood.generation(inForce);
        }
    }

    /** What to plan with: the filter versions in force and the CIDR sets they resolve against. */
    record Resolution(List<XdpFilter> inForce, Map<String, XdpCidrSet> cidrSets, Map<String, Resolved> filters) {
    }

    private record Snapshot(XdpFilter filter, Map<String, XdpCidrSet> sets) {
    }

    private final Map<String, Snapshot> filters = new HashMap<>();
    private final Map<String, XdpCidrSet> sets = new HashMap<>();

    Resolution resolve(Collection<XdpFilter> current, Collection<XdpCidrSet> currentSets, Map<String, String> nodeLabels) {
        Map<String, XdpCidrSet> usableSets = new TreeMap<>();
        for (XdpCidrSet set : currentSets) {
            String name = set.getMetadata().getName();
            // the same object as the last valid version: unchanged (informer objects are replaced, never modified)
            if (sets.get(name) == set || XdpFilterValidator.validate(set).valid()) {
                sets.put(name, set);
                usableSets.put(name, set);
            } else if (sets.containsKey(name)) {
                usableSets.put(name, sets.get(name));
            }
        }
        sets.keySet().retainAll(currentSets.stream().map(s -> s.getMetadata().getName()).toList());

        Map<String, Resolved> resolved = new LinkedHashMap<>();
        Map<String, XdpCidrSet> planningSets = new TreeMap<>(usableSets);
        List<XdpFilter> sorted = current.stream().sorted(Comparator.comparing(f -> f.getMetadata().getName())).toList();
        for (XdpFilter filter : sorted) {
            String name = filter.getMetadata().getName();
            long generation = generation(filter);
            ValidationResult validation = XdpFilterValidator.validate(filter);
            Failure failure = null;
            String problem = null;
            if (!validation.valid()) {
                failure = Failure.Invalid;
                problem = validation.summary();
            } else {
                try {
                    RuleMerger.merge(List.of(filter), usableSets, FailsafeConfig.disabled());
                } catch (RuleSetException e) {
                    failure = Failure.Unresolvable;
                    problem = e.getMessage();
                }
            }
            if (failure == null) {
                Snapshot before = filters.get(name);
                if (before == null || generation(before.filter()) <= generation) {
                    filters.put(name, new Snapshot(filter, referencedSets(filter, usableSets)));
                }
                boolean selected = Selection.selectsNode(filter.getSpec().getNodeSelector(), nodeLabels);
                resolved.put(name, new Resolved(name, generation, selected, selected ? filter : null, null, null));
                continue;
            }
            Snapshot good = filters.get(name);
            boolean selected;
            if (good != null) {
                selected = Selection.selectsNode(good.filter().getSpec().getNodeSelector(), nodeLabels);
            } else {
                selected = filter.getSpec() != null && Selection.selectsNode(filter.getSpec().getNodeSelector(), nodeLabels);
            }
            XdpFilter inForce = selected && good != null ? good.filter() : null;
            if (inForce != null) {
                good.sets().forEach(planningSets::putIfAbsent);
            }
            String message = "generation " + generation + " not applied: " + problem + "; "
                    + (inForce != null ? "generation " + generation(inForce) + " stays in force" : "no earlier version in force");
            resolved.put(name, new Resolved(name, generation, selected, inForce, failure, message));
        }
        filters.keySet().retainAll(resolved.keySet());
        List<XdpFilter> inForce = resolved.values().stream().map(Resolved::inForce).filter(Objects::nonNull).toList();
        return new Resolution(inForce, planningSets, resolved);
    }

    private static Map<String, XdpCidrSet> referencedSets(XdpFilter filter, Map<String, XdpCidrSet> sets) {
        Map<String, XdpCidrSet> out = new TreeMap<>();
        List<Rule> rules = filter.getSpec().getRules() == null ? List.of() : filter.getSpec().getRules();
        for (Rule rule : rules) {
            if (rule.getSourceSets() != null) {
                rule.getSourceSets().forEach(s -> out.put(s, sets.get(s)));
            }
        }
        return out;
    }

    static long generation(XdpFilter filter) {
        Long generation = filter.getMetadata().getGeneration();
        return generation == null ? 0 : generation;
    }
}
