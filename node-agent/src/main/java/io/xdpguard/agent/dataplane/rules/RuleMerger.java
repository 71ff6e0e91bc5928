package io.xdpguard.agent.dataplane.rules;

import inet.ipaddr.IPAddress;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.spec.DefaultAction;
import io.xdpguard.api.v1alpha1.spec.Enforcement;
import io.xdpguard.api.v1alpha1.spec.RateLimit;
import io.xdpguard.api.v1alpha1.spec.RateLimitScope;
import io.xdpguard.api.v1alpha1.spec.Rule;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.api.validation.Cidrs;
import io.xdpguard.api.validation.Ports;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges the (already validated) filters selecting one interface into the rule set it enforces: failsafe rules
 * first, then filters by priority and name, then each filter's rules in order.
 */
public final class RuleMerger {
    /** Rule bits per interface, failsafe included; mirrors XG_MAX_RULES. */
    public static final int MAX_RULES = 8192;

    private static final Comparator<XdpFilter> EVALUATION_ORDER = Comparator
            .comparingInt((XdpFilter f) -> f.getSpec().effectivePriority())
            .thenComparing(f -> f.getMetadata().getName());

    private RuleMerger() {
    }

    public static RuleSet merge(List<XdpFilter> filters, Map<String, XdpCidrSet> cidrSets, FailsafeConfig failsafe)
            throws RuleSetException {
        List<MatchRule> rules = new ArrayList<>(failsafe.rules());
        List<XdpFilter> ordered = filters.stream().sorted(EVALUATION_ORDER).toList();
        for (XdpFilter filter : ordered) {
            List<Rule> specRules = filter.getSpec().getRules() == null ? List.of() : filter.getSpec().getRules();
            for (int i = 0; i < specRules.size(); i++) {
                rules.add(toMatchRule(filter, i, specRules.get(i), cidrSets));
            }
        }
        if (rules.size() > MAX_RULES) {
            throw new RuleSetException(null, rules.size() + " rules on one interface exceed the limit of " + MAX_RULES
                    + " (failsafe rules included)");
        }
        return new RuleSet(rules, defaultVerdict(ordered));
    }

    /** One enforced Drop makes the interface drop; an audited Drop only counts. */
    static DefaultVerdict defaultVerdict(List<XdpFilter> filters) {
        DefaultVerdict verdict = DefaultVerdict.PASS;
        for (XdpFilter filter : filters) {
            if (filter.getSpec().effectiveDefaultAction() == DefaultAction.Drop) {
                if (filter.getSpec().effectiveEnforcement() == Enforcement.Enforce) {
                    return DefaultVerdict.DROP;
                }
                verdict = DefaultVerdict.AUDIT_DROP;
            }
        }
        return verdict;
    }

    private static MatchRule toMatchRule(XdpFilter filter, int index, Rule rule, Map<String, XdpCidrSet> cidrSets)
            throws RuleSetException {
        String name = filter.getMetadata().getName();
        String at = "spec.rules[" + index + "]";
        RateLimit limit = rule.getRateLimit();
        boolean rateLimited = rule.getAction() == RuleAction.RateLimit;
        return new MatchRule(name, rule.getName(), rule.getAction(),
                filter.getSpec().effectiveEnforcement() == Enforcement.Audit, false,
                sources(name, at, rule, cidrSets), addresses(rule.getDestinations()), rule.effectiveProtocol(),
                ranges(rule.getPorts()), ranges(rule.getSourcePorts()),
                rule.getIcmpTypes() == null ? Set.of() : new HashSet<>(rule.getIcmpTypes()),
                rateLimited ? limit.getPacketsPerSecond() : 0, rateLimited ? limit.getBurst() : 0,
                rateLimited && limit.effectivePer() == RateLimitScope.Source, rule.effectiveSampleRate());
    }

    private static AddressMatch sources(String filter, String at, Rule rule, Map<String, XdpCidrSet> cidrSets)
            throws RuleSetException {
        List<String> sets = rule.getSourceSets() == null ? List.of() : rule.getSourceSets();
        AddressMatch direct = addresses(rule.getSources());
        if (sets.isEmpty()) {
            return direct;
        }
        List<IPAddress> prefixes = new ArrayList<>(direct.prefixes());
        for (int i = 0; i < sets.size(); i++) {
            XdpCidrSet set = cidrSets.get(sets.get(i));
            if (set == null) {
                throw new RuleSetException(filter, at + ".sourceSets[" + i + "]: XdpCidrSet \"" + sets.get(i) + "\" not found");
            }
            for (String cidr : set.getSpec().getCidrs()) {
                prefixes.add(Cidrs.parse(cidr));
            }
        }
        return AddressMatch.of(prefixes);
    }

    private static AddressMatch addresses(List<String> cidrs) {
        if (cidrs == null || cidrs.isEmpty()) {
            return AddressMatch.ANY;
        }
        return AddressMatch.of(cidrs.stream().map(Cidrs::parse).toList());
    }

    private static List<Ports.Range> ranges(List<String> ports) {
        return ports == null ? List.of() : ports.stream().map(Ports::parse).toList();
    }
}
