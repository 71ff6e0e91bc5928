package io.xdpguard.agent.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.xdpguard.agent.dataplane.InterfacePlan;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.RuleMerger;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.rules.RuleSetException;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.spec.AttachMode;
import io.xdpguard.api.v1alpha1.spec.Rule;
import java.io.IOException;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Turns the filters and CIDR sets a node sees into per-interface plans, exactly as the agent enforces them: select
 * by node labels and interface globs, merge per interface in (priority, name) order with the failsafe first. The
 * filters given must already be valid (shared validator); a filter that cannot be merged (e.g. a missing
 * XdpCidrSet) is reported and left out of every interface.
 */
public final class Planner {
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** Digests of CIDR sets by name, with the cidrs list they were computed from (see {@link #setDigest}). */
    private static final Map<String, SetDigest> SET_DIGESTS = new ConcurrentHashMap<>();

    private record SetDigest(List<String> cidrs, int size, String digest) {
    }

    private Planner() {
    }

    public static Plan plan(List<XdpFilter> filters, Map<String, XdpCidrSet> cidrSets, Map<String, String> nodeLabels,
            List<String> interfaceNames, FailsafeConfig failsafe) {
        List<FilterError> errors = new ArrayList<>();
        List<XdpFilter> usable = new ArrayList<>();
        for (XdpFilter filter : filters) {
            if (!Selection.selectsNode(filter.getSpec().getNodeSelector(), nodeLabels)) {
                continue;
            }
            try {
                RuleMerger.merge(List.of(filter), cidrSets, FailsafeConfig.disabled());
                usable.add(filter);
            } catch (RuleSetException e) {
                errors.add(new FilterError(filter.getMetadata().getName(), null, e.getMessage()));
            }
        }
        Map<String, List<String>> byInterface = new TreeMap<>();
        List<InterfacePlan> plans = new ArrayList<>();
        for (String name : interfaceNames.stream().sorted().toList()) {
            List<XdpFilter> selecting = usable.stream()
                    .filter(f -> Selection.selectsInterface(f.getSpec().getInterfaces(), name))
                    .sorted(Comparator.comparing(f -> f.getMetadata().getName())).toList();
            if (selecting.isEmpty()) {
                continue;
            }
            try {
                RuleSet rules = RuleMerger.merge(selecting, cidrSets, failsafe);
                plans.add(new InterfacePlan(name, mode(selecting), rules, ruleSetId(selecting, cidrSets, failsafe)));
                byInterface.put(name, selecting.stream().map(f -> f.getMetadata().getName()).toList());
            } catch (RuleSetException e) {
                // A failure of the interface as a whole (e.g. too many rules together) is every selecting filter's:
                // the node state tells each whose current generation it keeps out of force.
                List<String> failing = e.filter() != null ? List.of(e.filter())
                        : selecting.stream().map(f -> f.getMetadata().getName()).toList();
                failing.forEach(filter -> errors.add(new FilterError(filter, name, e.getMessage())));
            }
        }
        // parsed sets and digests of sets nobody plans with any more are dropped (a deleted set may be large), and
        // the merged rules of deleted filters
        RuleMerger.retain(cidrSets.keySet(), filters.stream().map(f -> f.getMetadata().getName()).collect(Collectors.toSet()));
        SET_DIGESTS.keySet().retainAll(cidrSets.keySet());
        return new Plan(plans, byInterface, errors);
    }

    /** Native if any filter insists on it, else Generic if any asks for it, else Auto. */
    static AttachMode mode(List<XdpFilter> filters) {
        AttachMode mode = AttachMode.Auto;
        for (XdpFilter filter : filters) {
            AttachMode wanted = filter.getSpec().effectiveMode();
            if (wanted == AttachMode.Native) {
                return AttachMode.Native;
            }
            if (wanted == AttachMode.Generic) {
                mode = AttachMode.Generic;
            }
        }
        return mode;
    }

    /** A digest of everything the rule set is made of: equal digests mean nothing to rewrite. */
    static String ruleSetId(List<XdpFilter> filters, Map<String, XdpCidrSet> cidrSets, FailsafeConfig failsafe) {
        Map<String, Object> inputs = new LinkedHashMap<>();
        for (XdpFilter filter : filters) {
            inputs.put("filter/" + filter.getMetadata().getName(), filter.getSpec());
            List<Rule> rules = filter.getSpec().getRules() == null ? List.of() : filter.getSpec().getRules();
            rules.stream().filter(r -> r.getSourceSets() != null).flatMap(r -> r.getSourceSets().stream()).distinct()
                    .sorted().forEach(set -> inputs.put("set/" + set, setDigest(set, cidrSets.get(set))));
        }
        inputs.put("failsafe", failsafe.toString());
        return digest(inputs);
    }

    /** A set's digest, computed once per version of the set (its cidrs list object), not per reconcile. */
    private static String setDigest(String name, XdpCidrSet set) {
        List<String> cidrs = set.getSpec().getCidrs();
        SetDigest cached = SET_DIGESTS.get(name);
        if (cached != null && cached.cidrs() == cidrs && cached.size() == cidrs.size()) {
            return cached.digest();
        }
        String digest = digest(set.getSpec());
        SET_DIGESTS.put(name, new SetDigest(cidrs, cidrs.size(), digest));
        return digest;
    }

    /** SHA-256 of the value's canonical JSON (UTF-8), streamed: no text of a thousand rules is built. */
    private static String digest(Object value) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            CANONICAL.writeValue(new DigestOutputStream(OutputStream.nullOutputStream(), sha), value);
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot digest a rule set", e);
        }
    }
}
