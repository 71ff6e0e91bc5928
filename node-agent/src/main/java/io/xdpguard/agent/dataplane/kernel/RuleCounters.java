package io.xdpguard.agent.dataplane.kernel;

/** A rule's counters summed over CPUs (struct xg_rule_stats). */
public record RuleCounters(long packets, long bytes, long rateLimited) {
    public static final RuleCounters ZERO = new RuleCounters(0, 0, 0);

    public RuleCounters plus(RuleCounters o) {
        return new RuleCounters(packets + o.packets, bytes + o.bytes, rateLimited + o.rateLimited);
    }
}
