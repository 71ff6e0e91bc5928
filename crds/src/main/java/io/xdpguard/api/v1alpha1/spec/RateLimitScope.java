package io.xdpguard.api.v1alpha1.spec;

/** Who shares one token bucket. */
public enum RateLimitScope {
    /** One bucket per source address. */
    Source,
    /** One bucket for everything the rule matches on an interface. */
    Rule
}
