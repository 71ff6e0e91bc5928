package io.xdpguard.api.validation;

import inet.ipaddr.IPAddress;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.xdpguard.api.v1alpha1.Api;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.spec.InterfaceSelector;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.RateLimit;
import io.xdpguard.api.v1alpha1.spec.Rule;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.api.v1alpha1.spec.XdpFilterSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one validator of the API, used by the operator and the agent alike. It checks everything the CRD schema and
 * its CEL rules check (the API server may not have enforced them: an old cluster, a file in standalone mode) and
 * what they cannot express, and names the exact field of every violation.
 */
public final class XdpFilterValidator {
    /** Linux interface names are at most 15 bytes; globs add *, ? and [...]. */
    private static final Pattern INTERFACE_GLOB = Pattern.compile("[A-Za-z0-9_.@*?\\[\\]!-]{1,15}");
    private static final Pattern LABEL_NAME = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
    private static final Set<String> SELECTOR_OPERATORS = Set.of("In", "NotIn", "Exists", "DoesNotExist");
    private static final long MAX_RATE = 100_000_000L;
    private static final int MAX_SAMPLE_RATE = 1_000_000;
    /** The filter name under which the agent's failsafe rules are counted (FailsafeConfig.FILTER_NAME). */
    public static final String RESERVED_FILTER_NAME = "failsafe";
    private static final int MAX_LIST = 4096;

    private XdpFilterValidator() {
    }

    public static ValidationResult validate(XdpFilter filter) {
        List<Violation> out = new ArrayList<>();
        if (filter.getMetadata() == null || isBlank(filter.getMetadata().getName())) {
            out.add(new Violation("metadata.name", "a name is required"));
        } else if (!isDnsSubdomain(filter.getMetadata().getName())) {
            out.add(new Violation("metadata.name", quote(filter.getMetadata().getName()) + " is not a DNS subdomain name"));
        } else if (RESERVED_FILTER_NAME.equals(filter.getMetadata().getName())) {
            // The agent's built-in rules count as filter "failsafe": another one would share their counters.
            out.add(new Violation("metadata.name", "\"failsafe\" is reserved for the agent's failsafe rules"));
        }
        if (filter.getSpec() == null) {
            out.add(new Violation("spec", "a spec is required"));
        } else {
            validateSpec(filter.getSpec(), out);
        }
        return new ValidationResult(out);
    }

    public static ValidationResult validate(XdpCidrSet set) {
        List<Violation> out = new ArrayList<>();
        if (set.getMetadata() == null || isBlank(set.getMetadata().getName())) {
            out.add(new Violation("metadata.name", "a name is required"));
        }
        if (set.getSpec() == null || set.getSpec().getCidrs() == null) {
            out.add(new Violation("spec.cidrs", "a list of CIDRs is required"));
            return new ValidationResult(out);
        }
        List<String> cidrs = set.getSpec().getCidrs();
        if (cidrs.size() > Api.MAX_CIDRS_PER_SET) {
            out.add(new Violation("spec.cidrs", "has " + cidrs.size() + " entries, at most " + Api.MAX_CIDRS_PER_SET
                    + " are allowed (split the list into several XdpCidrSets)"));
        }
        ParsedCidr cidr = new ParsedCidr();
        for (int i = 0; i < cidrs.size() && out.size() < 100; i++) {
            try {
                cidr.parse(cidrs.get(i));
            } catch (IllegalArgumentException e) {
                out.add(new Violation("spec.cidrs[" + i + "]", e.getMessage()));
            }
        }
        return new ValidationResult(out);
    }

    private static void validateSpec(XdpFilterSpec spec, List<Violation> out) {
        validateSelector(spec.getNodeSelector(), out);
        validateInterfaces(spec.getInterfaces(), out);
        if (spec.getPriority() != null && (spec.getPriority() < 0 || spec.getPriority() > 1000)) {
            out.add(new Violation("spec.priority", spec.getPriority() + " is out of range (0-1000)"));
        }
        List<Rule> rules = spec.getRules() == null ? List.of() : spec.getRules();
        if (rules.size() > Api.MAX_RULES_PER_FILTER) {
            out.add(new Violation("spec.rules", "has " + rules.size() + " rules, at most " + Api.MAX_RULES_PER_FILTER
                    + " are allowed"));
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < rules.size(); i++) {
            String at = "spec.rules[" + i + "]";
            Rule rule = rules.get(i);
            if (rule == null) {
                out.add(new Violation(at, "a rule is required, not null"));
                continue;
            }
            validateRule(at, rule, out);
            if (rule.getName() != null && !names.add(rule.getName())) {
                out.add(new Violation(at + ".name", quote(rule.getName()) + " is used by an earlier rule; rule names must be unique"));
            }
        }
    }

    private static void validateSelector(LabelSelector selector, List<Violation> out) {
        if (selector == null) {
            return;
        }
        if (selector.getMatchLabels() != null) {
            for (Map.Entry<String, String> label : selector.getMatchLabels().entrySet()) {
                String at = "spec.nodeSelector.matchLabels[" + label.getKey() + "]";
                checkLabelKey(at, label.getKey(), out);
                checkNotAgentLabel(at, label.getKey(), out);
                checkLabelValue(at, label.getValue(), out);
            }
        }
        List<LabelSelectorRequirement> expressions = selector.getMatchExpressions();
        for (int i = 0; expressions != null && i < expressions.size(); i++) {
            String at = "spec.nodeSelector.matchExpressions[" + i + "]";
            LabelSelectorRequirement requirement = expressions.get(i);
            checkLabelKey(at + ".key", requirement.getKey(), out);
            checkNotAgentLabel(at + ".key", requirement.getKey(), out);
            String operator = requirement.getOperator();
            List<String> values = requirement.getValues() == null ? List.of() : requirement.getValues();
            if (!SELECTOR_OPERATORS.contains(operator)) {
                out.add(new Violation(at + ".operator", quote(operator) + " is not one of In, NotIn, Exists, DoesNotExist"));
            } else if ((operator.equals("In") || operator.equals("NotIn")) && values.isEmpty()) {
                out.add(new Violation(at + ".values", "operator " + operator + " needs at least one value"));
            } else if ((operator.equals("Exists") || operator.equals("DoesNotExist")) && !values.isEmpty()) {
                out.add(new Violation(at + ".values", "operator " + operator + " takes no values"));
            }
            for (int v = 0; v < values.size(); v++) {
                checkLabelValue(at + ".values[" + v + "]", values.get(v), out);
            }
        }
    }

    private static void validateInterfaces(InterfaceSelector interfaces, List<Violation> out) {
        if (interfaces == null) {
            out.add(new Violation("spec.interfaces", "required: name the interfaces to filter, e.g. include: [\"eth*\"]"));
            return;
        }
        List<String> include = interfaces.getInclude() == null ? List.of() : interfaces.getInclude();
        if (include.isEmpty()) {
            out.add(new Violation("spec.interfaces.include", "at least one interface name or glob is required"));
        }
        checkInterfaceNames("spec.interfaces.include", include, out);
        checkInterfaceNames("spec.interfaces.exclude", interfaces.getExclude() == null ? List.of() : interfaces.getExclude(), out);
    }

    private static void checkInterfaceNames(String at, List<String> names, List<Violation> out) {
        if (names.size() > 64) {
            out.add(new Violation(at, "has " + names.size() + " entries, at most 64 are allowed"));
        }
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (name == null || !INTERFACE_GLOB.matcher(name).matches()) {
                out.add(new Violation(at + "[" + i + "]", quote(name)
                        + " is not an interface name or glob (1-15 characters: letters, digits, _ . @ - and * ? [ ])"));
            } else if (!balancedBrackets(name)) {
                out.add(new Violation(at + "[" + i + "]", quote(name) + " has an unclosed [ in its glob"));
            }
        }
    }

    private static void validateRule(String at, Rule rule, List<Violation> out) {
        if (isBlank(rule.getName())) {
            out.add(new Violation(at + ".name", "a name is required"));
        } else if (rule.getName().length() > 63 || !isDnsLabel(rule.getName(), 0, rule.getName().length())) {
            out.add(new Violation(at + ".name", quote(rule.getName())
                    + " is not a DNS label (lower-case letters, digits and '-', at most 63 characters)"));
        }
        if (rule.getAction() == null) {
            out.add(new Violation(at + ".action", "required: Pass, Drop or RateLimit"));
        }
        validateRateLimit(at, rule, out);
        Protocol protocol = rule.effectiveProtocol();
        Families sources = checkCidrs(at + ".sources", rule.getSources(), out);
        Families destinations = checkCidrs(at + ".destinations", rule.getDestinations(), out);
        List<String> sets = nullToEmpty(rule.getSourceSets());
        for (int i = 0; i < sets.size(); i++) {
            if (!isDnsSubdomain(sets.get(i))) {
                out.add(new Violation(at + ".sourceSets[" + i + "]", quote(sets.get(i)) + " is not an XdpCidrSet name"));
            }
        }
        checkFamilies(at, protocol, sources, sets.isEmpty(), destinations, out);
        checkPorts(at + ".ports", rule.getPorts(), protocol, out);
        checkPorts(at + ".sourcePorts", rule.getSourcePorts(), protocol, out);
        List<Integer> icmpTypes = nullToEmpty(rule.getIcmpTypes());
        if (!icmpTypes.isEmpty() && !protocol.hasIcmpTypes()) {
            out.add(new Violation(at + ".icmpTypes", "ICMP types need protocol ICMP or ICMPv6, not " + protocol));
        }
        for (int i = 0; i < icmpTypes.size(); i++) {
            Integer type = icmpTypes.get(i);
            if (type == null || type < 0 || type > 255) {
                out.add(new Violation(at + ".icmpTypes[" + i + "]", type + " is not an ICMP type (0-255)"));
            }
        }
        if (rule.getSampleRate() != null && (rule.getSampleRate() < 0 || rule.getSampleRate() > MAX_SAMPLE_RATE)) {
            out.add(new Violation(at + ".sampleRate", rule.getSampleRate() + " is out of range (0-" + MAX_SAMPLE_RATE + ")"));
        }
    }

    private static void validateRateLimit(String at, Rule rule, List<Violation> out) {
        RateLimit limit = rule.getRateLimit();
        if (rule.getAction() == RuleAction.RateLimit && limit == null) {
            out.add(new Violation(at + ".rateLimit", "required when action is RateLimit"));
        } else if (rule.getAction() != null && rule.getAction() != RuleAction.RateLimit && limit != null) {
            out.add(new Violation(at + ".rateLimit", "allowed only when action is RateLimit, not " + rule.getAction()));
        }
        if (limit == null) {
            return;
        }
        checkRate(at + ".rateLimit.packetsPerSecond", limit.getPacketsPerSecond(), out);
        checkRate(at + ".rateLimit.burst", limit.getBurst(), out);
    }

    private static void checkRate(String at, Long value, List<Violation> out) {
        if (value == null) {
            out.add(new Violation(at, "required (1-" + MAX_RATE + ")"));
        } else if (value < 1 || value > MAX_RATE) {
            out.add(new Violation(at, value + " is out of range (1-" + MAX_RATE + ")"));
        }
    }

    /** Which address families a list of CIDRs covers; empty means any. */
    private record Families(boolean v4, boolean v6, boolean any) {
        boolean matches(boolean ipv6) {
            return any || (ipv6 ? v6 : v4);
        }
    }

    private static Families checkCidrs(String at, List<String> cidrs, List<Violation> out) {
        List<String> list = nullToEmpty(cidrs);
        if (list.size() > MAX_LIST) {
            out.add(new Violation(at, "has " + list.size() + " entries, at most " + MAX_LIST
                    + " are allowed (use an XdpCidrSet for long lists)"));
        }
        boolean v4 = false;
        boolean v6 = false;
        for (int i = 0; i < list.size(); i++) {
            IPAddress address = checkRuleAddress(at + "[" + i + "]", list.get(i), out);
            if (address != null) {
                v4 |= address.isIPv4();
                v6 |= address.isIPv6();
            }
        }
        return new Families(v4, v6, list.isEmpty());
    }

    private static IPAddress checkRuleAddress(String at, String text, List<Violation> out) {
        try {
            return Cidrs.parseRuleAddress(text);
        } catch (IllegalArgumentException e) {
            out.add(new Violation(at, e.getMessage()));
            return null;
        }
    }

    /** A rule whose address families and protocol exclude each other can never match: that is a mistake. */
    private static void checkFamilies(String at, Protocol protocol, Families sources, boolean noSets,
            Families destinations, List<Violation> out) {
        boolean sourcesKnown = !sources.any() && noSets;
        if (protocol == Protocol.ICMP) {
            if (sourcesKnown && !sources.matches(false)) {
                out.add(new Violation(at + ".sources", "only IPv6 addresses, but protocol ICMP is IPv4-only (use ICMPv6)"));
            }
            if (!destinations.any() && !destinations.matches(false)) {
                out.add(new Violation(at + ".destinations", "only IPv6 addresses, but protocol ICMP is IPv4-only (use ICMPv6)"));
            }
        } else if (protocol == Protocol.ICMPv6) {
            if (sourcesKnown && !sources.matches(true)) {
                out.add(new Violation(at + ".sources", "only IPv4 addresses, but protocol ICMPv6 is IPv6-only (use ICMP)"));
            }
            if (!destinations.any() && !destinations.matches(true)) {
                out.add(new Violation(at + ".destinations", "only IPv4 addresses, but protocol ICMPv6 is IPv6-only (use ICMP)"));
            }
        }
        if (sourcesKnown && !destinations.any() && !(sources.v4() && destinations.v4()) && !(sources.v6() && destinations.v6())) {
            out.add(new Violation(at + ".destinations", "no address family in common with sources: the rule can never match"));
        }
    }

    private static void checkPorts(String at, List<String> ports, Protocol protocol, List<Violation> out) {
        List<String> list = nullToEmpty(ports);
        if (list.isEmpty()) {
            return;
        }
        if (!protocol.hasPorts()) {
            out.add(new Violation(at, "ports need protocol TCP, UDP or SCTP, not " + protocol));
        }
        if (list.size() > 64) {
            out.add(new Violation(at, "has " + list.size() + " entries, at most 64 are allowed (use ranges)"));
        }
        for (int i = 0; i < list.size(); i++) {
            try {
                Ports.parse(list.get(i));
            } catch (IllegalArgumentException e) {
                out.add(new Violation(at + "[" + i + "]", e.getMessage()));
            }
        }
    }

    /** A node's label, as given to the standalone agent: the syntax the API server enforces on Node labels. */
    public static List<Violation> validateLabel(String at, String key, String value) {
        List<Violation> out = new ArrayList<>();
        checkLabelKey(at, key, out);
        checkLabelValue(at, value, out);
        return out;
    }

    private static void checkNotAgentLabel(String at, String key, List<Violation> out) {
        if (Api.AGENT_NODE_LABEL.equals(key)) {
            out.add(new Violation(at, quote(key) + " is the label the operator sets on the nodes that run the agent; "
                    + "select nodes by labels of your own"));
        }
    }

    private static void checkLabelKey(String at, String key, List<Violation> out) {
        if (isBlank(key)) {
            out.add(new Violation(at, "a label key is required"));
            return;
        }
        int slash = key.indexOf('/');
        String name = slash < 0 ? key : key.substring(slash + 1);
        boolean prefixOk = slash < 0 || (slash <= 253 && isDnsSubdomain(key.substring(0, slash)));
        if (!prefixOk || name.isEmpty() || name.length() > 63 || !LABEL_NAME.matcher(name).matches()) {
            out.add(new Violation(at, quote(key) + " is not a valid label key"));
        }
    }

    private static void checkLabelValue(String at, String value, List<Violation> out) {
        if (value != null && (value.length() > 63 || !LABEL_NAME.matcher(value).matches())) {
            out.add(new Violation(at, quote(value) + " is not a valid label value"));
        }
    }

    private static boolean balancedBrackets(String glob) {
        int open = glob.indexOf('[');
        return open < 0 || glob.indexOf(']', open) > open;
    }

    /**
     * DNS labels separated by dots (RFC 1123 subdomain), at most 253 characters. Checked by hand rather than by a
     * regular expression: the agent validates every rule of a filter on each change, a thousand matchers a time.
     */
    private static boolean isDnsSubdomain(String name) {
        if (name == null || name.length() > 253) {
            return false;
        }
        int from = 0;
        for (int dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', from)) {
            if (!isDnsLabel(name, from, dot)) {
                return false;
            }
            from = dot + 1;
        }
        return isDnsLabel(name, from, name.length());
    }

    /** name[from, to) is lower-case letters, digits and '-', starting and ending with a letter or digit. */
    private static boolean isDnsLabel(String name, int from, int to) {
        if (from >= to || name.charAt(from) == '-' || name.charAt(to - 1) == '-') {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
