package io.xdpguard.agent.dataplane.rules;

import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.spec.CompactCidrList;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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

    /**
     * Source matches of rules that use CIDR sets, by set names and direct sources: the same {@link AddressMatch}
     * object while none of the sets changed, which the compiler then recognises by identity (no comparison of a
     * million prefixes to see that nothing changed). A set is unchanged while its {@code cidrs} list is the same
     * object (the agent's informer cache keeps one object per version of a set, and API objects are never modified
     * in place) or an equal {@link CompactCidrList} (the same version delivered again). A compact list of canonical
     * CIDRs is not parsed at all: the match reads it in place. Other sets are parsed; when one set changes, every
     * such set of the rule is parsed again: keeping each set's parsed form too would hold a second copy of a million
     * prefixes for a parse that costs less than the compile that follows.
     */
    private static final Map<String, CombinedSources> COMBINED = new ConcurrentHashMap<>();

    private record CombinedSources(List<String> direct, List<List<String>> sets, int[] sizes, AddressMatch match) {
        boolean combines(List<String> directNow, List<List<String>> setsNow) {
            if (!direct.equals(directNow) || sets.size() != setsNow.size()) {
                return false;
            }
            for (int i = 0; i < sets.size(); i++) {
                if (!unchanged(sets.get(i), sizes[i], setsNow.get(i))) {
                    return false;
                }
            }
            return true;
        }

        /** Whether these are the very list objects of {@code setsNow} (not merely equal ones). */
        boolean holds(List<List<String>> setsNow) {
            for (int i = 0; i < sets.size(); i++) {
                if (sets.get(i) != setsNow.get(i)) {
                    return false;
                }
            }
            return true;
        }

        /**
         * The same object, or an equal compact list: a set the API server delivers again (a resync, a relist after
         * a watch gap, a status write) arrives as a new object with the same content, and parsing it again would put
         * a second parsed copy of its prefixes wherever the first is still held.
         */
        private static boolean unchanged(List<String> was, int sizeWas, List<String> now) {
            return was == now ? sizeWas == now.size() : was instanceof CompactCidrList && was.equals(now);
        }
    }

    /**
     * Each filter's rules as last merged, by filter name: a reconcile merges a filter up to three times (its own
     * check when it is resolved, the planner's check, each interface it selects), and an unchanged filter is the
     * same object from one reconcile to the next (API objects are never modified in place). Reused while the filter
     * and the {@code cidrs} lists of the sets it names are the very objects it was merged with.
     */
    private static final Map<String, FilterRules> FILTER_RULES = new ConcurrentHashMap<>();

    private record FilterRules(XdpFilter filter, Map<String, List<String>> setLists, List<MatchRule> rules) {
        boolean mergedFrom(XdpFilter filterNow, Map<String, XdpCidrSet> cidrSets) {
            if (filter != filterNow) {
                return false;
            }
            for (Map.Entry<String, List<String>> used : setLists.entrySet()) {
                XdpCidrSet set = cidrSets.get(used.getKey());
                if (set == null || set.getSpec().getCidrs() != used.getValue()) {
                    return false;
                }
            }
            return true;
        }
    }

    private RuleMerger() {
    }

    /**
     * Forgets the parsed content of every CIDR set not named in {@code setsInUse} and the merged rules of every
     * filter not named in {@code filtersInUse}.
     */
    public static void retain(Set<String> setsInUse, Set<String> filtersInUse) {
        COMBINED.keySet().removeIf(key -> !setsInUse.containsAll(List.of(key.substring(0, key.indexOf('|')).split(","))));
        FILTER_RULES.keySet().retainAll(filtersInUse);
    }

    /** Forgets every filter's merged rules: the next merge of each converts its rules again. */
    public static void forgetMergedFilters() {
        FILTER_RULES.clear();
    }

    public static RuleSet merge(List<XdpFilter> filters, Map<String, XdpCidrSet> cidrSets, FailsafeConfig failsafe)
            throws RuleSetException {
        List<MatchRule> rules = new ArrayList<>(failsafe.rules());
        List<XdpFilter> ordered = filters.stream().sorted(EVALUATION_ORDER).toList();
        for (XdpFilter filter : ordered) {
            rules.addAll(rulesOf(filter, cidrSets));
        }
        if (rules.size() > MAX_RULES) {
            throw new RuleSetException(null, rules.size() + " rules on one interface exceed the limit of " + MAX_RULES
                    + " (failsafe rules included)");
        }
        return new RuleSet(rules, defaultVerdict(ordered));
    }

    private static List<MatchRule> rulesOf(XdpFilter filter, Map<String, XdpCidrSet> cidrSets) throws RuleSetException {
        String name = filter.getMetadata().getName();
        FilterRules cached = FILTER_RULES.get(name);
        if (cached != null && cached.mergedFrom(filter, cidrSets)) {
            return cached.rules();
        }
        List<Rule> specRules = filter.getSpec().getRules() == null ? List.of() : filter.getSpec().getRules();
        List<MatchRule> rules = new ArrayList<>(specRules.size());
        Map<String, List<String>> setLists = new HashMap<>();
        for (int i = 0; i < specRules.size(); i++) {
            Rule rule = specRules.get(i);
            rules.add(toMatchRule(filter, i, rule, cidrSets));
            if (rule.getSourceSets() != null) {
                // every named set exists here: toMatchRule fails otherwise
                rule.getSourceSets().forEach(set -> setLists.put(set, cidrSets.get(set).getSpec().getCidrs()));
            }
        }
        List<MatchRule> merged = List.copyOf(rules);
        FILTER_RULES.put(name, new FilterRules(filter, setLists, merged));
        return merged;
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
        if (sets.isEmpty()) {
            return addresses(rule.getSources());
        }
        List<List<String>> lists = new ArrayList<>(sets.size());
        for (int i = 0; i < sets.size(); i++) {
            XdpCidrSet set = cidrSets.get(sets.get(i));
            if (set == null) {
                throw new RuleSetException(filter, at + ".sourceSets[" + i + "]: XdpCidrSet \"" + sets.get(i) + "\" not found");
            }
            lists.add(set.getSpec().getCidrs());
        }
        List<String> directCidrs = rule.getSources() == null ? List.of() : rule.getSources();
        String key = String.join(",", sets) + "|" + directCidrs;
        CombinedSources cached = COMBINED.get(key);
        if (cached != null && cached.combines(directCidrs, lists)) {
            if (cached.holds(lists)) {
                return cached.match();
            }
            // hold the objects now in the informer cache, not the ones it dropped (the match may read them in place)
            AddressMatch match = cached.match().readsListsInPlace() ? AddressMatch.parseAll(texts(directCidrs, lists))
                    : cached.match();
            COMBINED.put(key, new CombinedSources(cached.direct(), List.copyOf(lists), cached.sizes(), match));
            return match;
        }
        AddressMatch match = AddressMatch.parseAll(texts(directCidrs, lists));
        COMBINED.put(key, new CombinedSources(List.copyOf(directCidrs), List.copyOf(lists),
                lists.stream().mapToInt(List::size).toArray(), match));
        return match;
    }

    private static List<List<String>> texts(List<String> directCidrs, List<List<String>> sets) {
        List<List<String>> texts = new ArrayList<>(sets.size() + 1);
        texts.add(directCidrs);
        texts.addAll(sets);
        return texts;
    }

    private static AddressMatch addresses(List<String> cidrs) {
        if (cidrs == null || cidrs.isEmpty()) {
            return AddressMatch.ANY;
        }
        return AddressMatch.of(cidrs.stream().map(Cidrs::parseRuleAddress).toList());
    }

    private static List<Ports.Range> ranges(List<String> ports) {
        return ports == null ? List.of() : ports.stream().map(Ports::parse).toList();
    }
}
