package io.xdpguard.agent.dataplane.reference;

import io.xdpguard.agent.dataplane.Reason;

/** The verdict for one packet: the winning rule's index in the rule set (or -1) and why. */
public record Classification(int rule, Reason reason) {
    public static final int NO_RULE = -1;

    public boolean drops() {
        return reason.drops();
    }
}
