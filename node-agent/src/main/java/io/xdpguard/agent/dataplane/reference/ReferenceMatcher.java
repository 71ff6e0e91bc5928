package io.xdpguard.agent.dataplane.reference;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressNetwork;
import io.xdpguard.agent.dataplane.Reason;
import io.xdpguard.agent.dataplane.packet.ParseOutcome;
import io.xdpguard.agent.dataplane.packet.ParsedPacket;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.api.validation.Ports;
import java.util.Arrays;
import java.util.List;

/**
 * The plain statement of what the classifier must do, rule after rule, with no cleverness: the differential tests
 * hold the kernel to it.
 */
public final class ReferenceMatcher {
    private static final IPAddressNetwork.IPAddressGenerator ADDRESSES = new IPAddressNetwork.IPAddressGenerator();

    private ReferenceMatcher() {
    }

    public static Classification classify(RuleSet ruleSet, ParsedPacket packet, RateLimitDecider rates) {
        if (packet.outcome() == ParseOutcome.NON_IP) {
            return new Classification(Classification.NO_RULE, Reason.NON_IP);
        }
        if (packet.outcome() == ParseOutcome.MALFORMED) {
            return new Classification(Classification.NO_RULE, Reason.MALFORMED);
        }
        List<MatchRule> rules = ruleSet.rules();
        if (rules.isEmpty()) {
            return new Classification(Classification.NO_RULE, Reason.NO_RULES);
        }
        IPAddress source = address(packet.source(), packet.family());
        IPAddress destination = address(packet.destination(), packet.family());
        int audit = Classification.NO_RULE;
        Reason auditReason = null;
        for (int i = 0; i < rules.size(); i++) {
            MatchRule rule = rules.get(i);
            if (!matches(rule, packet, source, destination)) {
                continue;
            }
            if (!rule.audit()) {
                return new Classification(i, decide(i, rule, packet, rates), audit, auditReason);
            }
            // An Audit rule is counted (the first one the packet matches), never the verdict: the next rule decides.
            if (audit == Classification.NO_RULE) {
                audit = i;
                auditReason = decide(i, rule, packet, rates).drops() ? Reason.AUDIT_WOULD_DROP : null;
            }
        }
        Reason fallback = switch (ruleSet.defaultVerdict()) {
            case PASS -> Reason.DEFAULT_PASS;
            case DROP -> Reason.DEFAULT_DROP;
            case AUDIT_DROP -> Reason.DEFAULT_AUDIT_DROP;
        };
        return new Classification(Classification.NO_RULE, fallback, audit, auditReason);
    }

    static boolean matches(MatchRule rule, ParsedPacket p, IPAddress source, IPAddress destination) {
        if (!rule.sources().matches(source) || !rule.destinations().matches(destination)) {
            return false;
        }
        boolean protocolMatches = switch (rule.protocol()) {
            case Any -> true;
            case TCP -> p.protocol() == 6;
            case UDP -> p.protocol() == 17;
            case SCTP -> p.protocol() == 132;
            case ICMP -> p.family() == 4 && p.protocol() == 1;
            case ICMPv6 -> p.family() == 6 && p.protocol() == 58;
        };
        if (!protocolMatches) {
            return false;
        }
        // A later fragment has no L4 header: a port or type condition cannot be evaluated, so it does not match.
        if (!rule.ports().isEmpty() && (p.laterFragment() || !inRanges(rule.ports(), p.destinationPort()))) {
            return false;
        }
        if (!rule.sourcePorts().isEmpty() && (p.laterFragment() || !inRanges(rule.sourcePorts(), p.sourcePort()))) {
            return false;
        }
        return rule.icmpTypes().isEmpty() || (!p.laterFragment() && rule.icmpTypes().contains(p.icmpType()));
    }

    /** What the rule does to the packet if it decides (an Audit rule's drop is the caller's to turn into a count). */
    private static Reason decide(int index, MatchRule rule, ParsedPacket packet, RateLimitDecider rates) {
        return switch (rule.action()) {
            case Pass -> rule.failsafe() ? Reason.FAILSAFE_PASS : Reason.RULE_PASS;
            case Drop -> Reason.RULE_DROP;
            case RateLimit -> rates.allow(index, packet) ? Reason.RATE_LIMIT_PASS : Reason.RATE_LIMIT_DROP;
        };
    }

    private static boolean inRanges(List<Ports.Range> ranges, int port) {
        return ranges.stream().anyMatch(r -> r.contains(port));
    }

    private static IPAddress address(byte[] mapped, int family) {
        return family == 4 ? ADDRESSES.from(Arrays.copyOfRange(mapped, 12, 16)) : ADDRESSES.from(mapped);
    }
}
