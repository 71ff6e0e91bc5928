package io.xdpguard.agent.dataplane;

/** Why a packet got its verdict; mirrors {@code enum xg_reason} of bpf/include/xdpguard_abi.h (same order). */
public enum Reason {
    RULE_PASS(false),
    RULE_DROP(true),
    RATE_LIMIT_PASS(false),
    RATE_LIMIT_DROP(true),
    AUDIT_WOULD_DROP(false),
    FAILSAFE_PASS(false),
    DEFAULT_PASS(false),
    DEFAULT_DROP(true),
    DEFAULT_AUDIT_DROP(false),
    NON_IP(false),
    MALFORMED(false),
    SAMPLES_LOST(false),
    NO_RULES(false);

    private final boolean drops;

    Reason(boolean drops) {
        this.drops = drops;
    }

    /** Whether a packet with this reason is dropped (XDP_DROP) rather than passed. */
    public boolean drops() {
        return drops;
    }

    /** The label used in metrics and the CLI, e.g. {@code rule_drop}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
