package io.xdpguard.agent.dataplane.rules;

import java.util.List;

/** Everything one interface enforces: rules in evaluation order (failsafe first) and the default verdict. */
public record RuleSet(List<MatchRule> rules, DefaultVerdict defaultVerdict) {
    public RuleSet {
        rules = List.copyOf(rules);
    }

    public static RuleSet empty() {
        return new RuleSet(List.of(), DefaultVerdict.PASS);
    }
}
