package io.xdpguard.agent.dataplane.reference;

import io.xdpguard.agent.dataplane.packet.ParsedPacket;

/** Whether a packet that a RateLimit rule matched is within the rate: the reference leaves time to its caller. */
@FunctionalInterface
public interface RateLimitDecider {
    boolean allow(int ruleIndex, ParsedPacket packet);

    /** Every bucket always has a token: what a fresh, full bucket does for its first packet. */
    RateLimitDecider ALWAYS = (rule, packet) -> true;
}
