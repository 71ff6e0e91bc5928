package io.xdpguard.agent.dataplane.reference;

import io.xdpguard.agent.dataplane.Reason;

/**
 * The verdict for one packet: the winning rule's index in the rule set (or -1) and why; and, when the first rule the
 * packet matched is an Audit rule, that rule (or -1) and its would-drop ({@link Reason#AUDIT_WOULD_DROP}, or null
 * when it would have passed the packet). An Audit rule is counted, never the verdict.
 */
public record Classification(int rule, Reason reason, int auditRule, Reason auditReason) {
    public static final int NO_RULE = -1;

    public Classification(int rule, Reason reason) {
        this(rule, reason, NO_RULE, null);
    }

    public boolean drops() {
        return reason.drops();
    }
}
