package io.xdpguard.api.v1alpha1.spec;

/** What a rule does with the packets it matches. */
public enum RuleAction {
    Pass,
    Drop,
    /** Pass up to the rule's rate, drop the excess. */
    RateLimit
}
