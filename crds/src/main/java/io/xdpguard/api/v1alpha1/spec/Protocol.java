package io.xdpguard.api.v1alpha1.spec;

/** The IP protocol a rule matches. */
public enum Protocol {
    Any,
    TCP,
    UDP,
    SCTP,
    ICMP,
    ICMPv6;

    /** Whether rules of this protocol may name ports. */
    public boolean hasPorts() {
        return this == TCP || this == UDP || this == SCTP;
    }

    /** Whether rules of this protocol may name ICMP types. */
    public boolean hasIcmpTypes() {
        return this == ICMP || this == ICMPv6;
    }
}
