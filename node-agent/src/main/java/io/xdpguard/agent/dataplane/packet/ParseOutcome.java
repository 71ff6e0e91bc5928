package io.xdpguard.agent.dataplane.packet;

/** What the dataplane makes of a frame before classification. */
public enum ParseOutcome {
    /** IPv4 or IPv6 with a usable L4 key: classified. */
    IP,
    /** Not IP (ARP, LLDP, ...): passed unclassified. */
    NON_IP,
    /** Truncated or invalid headers: passed unclassified. */
    MALFORMED
}
