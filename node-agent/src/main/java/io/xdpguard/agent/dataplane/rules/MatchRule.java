package io.xdpguard.agent.dataplane.rules;

import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.api.validation.Ports;
import java.util.List;
import java.util.Set;

/**
 * One rule as the dataplane evaluates it: CIDR sets resolved, ports parsed, defaults applied. A packet matches
 * when every dimension matches.
 *
 * @param filter      the XdpFilter it comes from ({@code failsafe} for built-in rules)
 * @param ruleName    the rule's name in its filter
 * @param audit       the filter is in Audit enforcement: the rule counts packets (and would-drops), never decides
 * @param failsafe    a built-in control-plane protection rule, evaluated before every filter
 * @param ratePps     RateLimit only: tokens per second
 * @param rateBurst   RateLimit only: bucket size
 * @param perSource   RateLimit only: one bucket per source address
 */
public record MatchRule(
        String filter,
        String ruleName,
        RuleAction action,
        boolean audit,
        boolean failsafe,
        AddressMatch sources,
        AddressMatch destinations,
        Protocol protocol,
        List<Ports.Range> ports,
        List<Ports.Range> sourcePorts,
        Set<Integer> icmpTypes,
        long ratePps,
        long rateBurst,
        boolean perSource,
        int sampleRate) {

    public MatchRule {
        ports = List.copyOf(ports);
        sourcePorts = List.copyOf(sourcePorts);
        icmpTypes = Set.copyOf(icmpTypes);
    }

    /** The identity under which the rule's counters and rate-limit buckets survive rule-set changes. */
    public String key() {
        return filter + "/" + ruleName;
    }
}
