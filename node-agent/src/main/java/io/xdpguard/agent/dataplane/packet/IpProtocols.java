package io.xdpguard.agent.dataplane.packet;

/** IP protocol numbers (IPv4 protocol field, IPv6 next header) the dataplane distinguishes. */
public final class IpProtocols {

    public static final int HOP_BY_HOP = 0;
    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ROUTING = 43;
    public static final int FRAGMENT = 44;
    public static final int AUTHENTICATION = 51;
    public static final int ICMPV6 = 58;
    /** IPv6 "no next header": nothing follows. */
    public static final int NO_NEXT_HEADER = 59;
    public static final int DESTINATION_OPTIONS = 60;
    public static final int SCTP = 132;

    private IpProtocols() {
    }

    /** Whether the IPv6 next header is an extension header the dataplane walks. */
    public static boolean isIpv6ExtensionHeader(int nextHeader) {
        return nextHeader == HOP_BY_HOP || nextHeader == ROUTING || nextHeader == DESTINATION_OPTIONS
                || nextHeader == FRAGMENT || nextHeader == AUTHENTICATION;
    }
}
