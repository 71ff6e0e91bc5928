package io.xdpguard.operator.reconciler;

import io.xdpguard.api.v1alpha1.spec.DefaultAction;
import io.xdpguard.api.v1alpha1.spec.Enforcement;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.Rule;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.api.v1alpha1.spec.XdpFilterSpec;
import io.xdpguard.api.validation.Ports;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Would this filter, on its own, cut nodes off their control plane? For each failsafe port (the agents pass these
 * before any filter), the first rule that applies to everyone (no sources, source sets, destinations or source
 * ports) and matches the port decides: Pass is safe, Drop or RateLimit cuts; when no such rule matches, a Drop
 * default cuts. Rules limited to some addresses do not decide: dropping SSH from a blocklist is intended. Audit
 * filters drop nothing. Pure.
 */
public final class LockoutCheck {
    /** The failsafe ports of the agents' defaults (FailsafeConfig.defaults() in the node agent). */
    public static final List<Integer> TCP_PORTS = List.of(22, 6443, 2379, 2380, 10250, 10257, 10259);
    public static final List<Integer> UDP_PORTS = List.of(67, 68, 546, 547);

    private LockoutCheck() {
    }

    /** One spec field that drops failsafe traffic, and what it drops, e.g. {@code spec.defaultAction}, "TCP 22, 6443". */
    public record Finding(String field, String traffic) {
        @Override
        public String toString() {
            return field + " drops " + traffic;
        }
    }

    public static List<Finding> check(XdpFilterSpec spec) {
        if (spec == null || spec.getEnforcement() == Enforcement.Audit) {
            return List.of();
        }
        Map<String, List<String>> byField = new LinkedHashMap<>();
        for (int port : TCP_PORTS) {
            culprit(spec, Protocol.TCP, port).ifPresentOrElse(f -> byField.computeIfAbsent(f, k -> new ArrayList<>())
                    .add("TCP " + port), () -> { });
        }
        for (int port : UDP_PORTS) {
            culprit(spec, Protocol.UDP, port).ifPresentOrElse(f -> byField.computeIfAbsent(f, k -> new ArrayList<>())
                    .add("UDP " + port), () -> { });
        }
        return byField.entrySet().stream()
                .map(e -> new Finding(e.getKey(), String.join(", ", e.getValue())))
                .collect(Collectors.toList());
    }

    private static java.util.Optional<String> culprit(XdpFilterSpec spec, Protocol protocol, int port) {
        List<Rule> rules = spec.getRules() == null ? List.of() : spec.getRules();
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rules.get(i);
            if (rule == null || rule.getAction() == null || !appliesToEveryone(rule) || !matches(rule, protocol, port)) {
                continue;
            }
            if (rule.getAction() == RuleAction.Pass) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of("spec.rules[" + i + "] (" + rule.getName() + ")");
        }
        return spec.getDefaultAction() == DefaultAction.Drop ? java.util.Optional.of("spec.defaultAction")
                : java.util.Optional.empty();
    }

    private static boolean appliesToEveryone(Rule rule) {
        return isEmpty(rule.getSources()) && isEmpty(rule.getSourceSets()) && isEmpty(rule.getDestinations())
                && isEmpty(rule.getSourcePorts());
    }

    private static boolean matches(Rule rule, Protocol protocol, int port) {
        Protocol p = rule.effectiveProtocol();
        if (p != Protocol.Any && p != protocol) {
            return false;
        }
        if (isEmpty(rule.getPorts())) {
            return isEmpty(rule.getIcmpTypes());
        }
        for (String text : rule.getPorts()) {
            try {
                if (Ports.parse(text).contains(port)) {
                    return true;
                }
            } catch (IllegalArgumentException e) {
                // the validator rejects it; nothing to decide here
            }
        }
        return false;
    }

    private static boolean isEmpty(List<?> list) {
        return list == null || list.isEmpty();
    }
}
