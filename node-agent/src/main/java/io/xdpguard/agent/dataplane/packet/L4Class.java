package io.xdpguard.agent.dataplane.packet;

/**
 * The L4 key classes of the dataplane ({@code enum xg_l4_class}); the ordinals are the kernel's
 * values. The L4 dimension is an array indexed by {@code class * 65536 + value}.
 */
public enum L4Class {
    /** Value: destination port. */
    TCP,
    /** Value: destination port. */
    UDP,
    /** Value: destination port. */
    SCTP,
    /** Value: ICMP type (IPv4 only). */
    ICMP,
    /** Value: ICMPv6 type (IPv6 only). */
    ICMPV6,
    /** Value: IP protocol number; any other protocol, and ICMP/ICMPv6 under the wrong family. */
    OTHER,
    /** Value: IP protocol number; a later fragment, which has no L4 header. */
    FRAGMENT;

    /** Index space of one class: every 16-bit value. */
    public static final int VALUES_PER_CLASS = 65536;
    /**
     * Source-port index of every packet without ports: the first index after the port space of
     * the three port classes (TCP, UDP, SCTP).
     */
    public static final int SPORT_NONE = 3 * VALUES_PER_CLASS;
    /**
     * A later IPv6 fragment's FRAGMENT value is this plus its next header (an IPv4 one's is the bare protocol), so
     * that an ICMP rule never matches an IPv6 fragment nor an ICMPv6 rule an IPv4 one.
     */
    public static final int FRAGMENT_IPV6_OFFSET = 256;

    /** The L4 array index of this class and a value. */
    public int index(int value) {
        return ordinal() * VALUES_PER_CLASS + value;
    }

    /** Whether the class is keyed by ports (and so has a source-port index). */
    public boolean hasPorts() {
        return this == TCP || this == UDP || this == SCTP;
    }
}
