package io.xdpguard.agent.dataplane.packet;

import static io.xdpguard.agent.dataplane.packet.ParsedPacket.ABSENT;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The reference parser: a plain statement of what the XDP program ({@code xg_parse} in
 * bpf/src/xdpguard.bpf.c with bpf/include/parsing.h) sees in a frame. It must agree with the
 * kernel exactly; a differential test compares the two. Only what the kernel checks is checked:
 * no IPv4 total length, no checksums.
 */
public final class PacketParser {

    /** A third VLAN tag makes the frame malformed. */
    public static final int MAX_VLAN_TAGS = 2;
    /** After this many IPv6 extension headers the walk stops: the next header's number is the protocol. */
    public static final int MAX_IPV6_EXTENSION_HEADERS = 6;

    private static final int ETHERNET_HEADER = 14;
    private static final int VLAN_TAG = 4;
    private static final int IPV4_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int IPV6_FRAGMENT_HEADER = 8;
    private static final int IPV4_FRAGMENT_OFFSET_MASK = 0x1fff;

    private PacketParser() {
    }

    public static ParsedPacket parse(byte[] frame) {
        return new Walk(frame).ethernet();
    }

    /** One parse: a cursor over the frame and the fields found so far. */
    private static final class Walk {
        private final byte[] frame;
        private int pos;
        private final List<Integer> vlanIds = new ArrayList<>();
        private int etherType = ABSENT;
        private int family;
        private byte[] source;
        private byte[] destination;
        private int protocol = ABSENT;
        private boolean laterFragment;
        private int sourcePort = ABSENT;
        private int destinationPort = ABSENT;
        private int icmpType = ABSENT;

        Walk(byte[] frame) {
            this.frame = frame;
        }

        ParsedPacket ethernet() {
            if (!available(ETHERNET_HEADER)) {
                return malformed("frame shorter than an Ethernet header");
            }
            etherType = u16(12);
            pos = ETHERNET_HEADER;
            for (int i = 0; i < MAX_VLAN_TAGS && EtherTypes.isVlan(etherType); i++) {
                if (!available(VLAN_TAG)) {
                    return malformed("truncated VLAN tag");
                }
                vlanIds.add(u16(pos) & 0x0fff);
                etherType = u16(pos + 2);
                pos += VLAN_TAG;
            }
            if (EtherTypes.isVlan(etherType)) {
                return malformed("more than " + MAX_VLAN_TAGS + " VLAN tags");
            }
            return switch (etherType) {
                case EtherTypes.IPV4 -> ipv4();
                case EtherTypes.IPV6 -> ipv6();
                default -> finish(ParseOutcome.NON_IP, null, null, ABSENT, ABSENT);
            };
        }

        private ParsedPacket ipv4() {
            if (!available(IPV4_HEADER)) {
                return malformed("truncated IPv4 header");
            }
            int version = u8(pos) >> 4;
            int headerLength = (u8(pos) & 0x0f) * 4;
            if (version != 4) {
                return malformed("IP version " + version + " under the IPv4 ethertype");
            }
            if (headerLength < IPV4_HEADER) {
                return malformed("IPv4 IHL below 5");
            }
            if (!available(headerLength)) {
                return malformed("truncated IPv4 options");
            }
            family = 4;
            source = ipv4Mapped(pos + 12);
            destination = ipv4Mapped(pos + 16);
            protocol = u8(pos + 9);
            laterFragment = (u16(pos + 6) & IPV4_FRAGMENT_OFFSET_MASK) != 0;
            pos += headerLength;
            return transport();
        }

        private ParsedPacket ipv6() {
            if (!available(IPV6_HEADER)) {
                return malformed("truncated IPv6 header");
            }
            int version = u8(pos) >> 4;
            if (version != 6) {
                return malformed("IP version " + version + " under the IPv6 ethertype");
            }
            family = 6;
            source = Arrays.copyOfRange(frame, pos + 8, pos + 24);
            destination = Arrays.copyOfRange(frame, pos + 24, pos + 40);
            int nextHeader = u8(pos + 6);
            pos += IPV6_HEADER;
            for (int walked = 0; IpProtocols.isIpv6ExtensionHeader(nextHeader); walked++) {
                if (walked == MAX_IPV6_EXTENSION_HEADERS) {
                    // The stack delivers such a packet (it sets no limit): classify it without ports, with the next
                    // extension header as its protocol, rather than pass it unclassified.
                    break;
                }
                if (nextHeader == IpProtocols.FRAGMENT) {
                    if (!available(IPV6_FRAGMENT_HEADER)) {
                        return malformed("truncated IPv6 fragment header");
                    }
                    int offset = u16(pos + 2) >> 3;
                    nextHeader = u8(pos);
                    pos += IPV6_FRAGMENT_HEADER;
                    if (offset != 0) {
                        laterFragment = true;
                        break;
                    }
                } else {
                    // Both length bytes (next header, length) must be there before either is read.
                    if (!available(2)) {
                        return malformed("truncated IPv6 extension header " + nextHeader);
                    }
                    int length = nextHeader == IpProtocols.AUTHENTICATION
                            ? (u8(pos + 1) + 2) * 4
                            : (u8(pos + 1) + 1) * 8;
                    if (!available(length)) {
                        return malformed("truncated IPv6 extension header " + nextHeader);
                    }
                    nextHeader = u8(pos);
                    pos += length;
                }
            }
            protocol = nextHeader;
            return transport();
        }

        private ParsedPacket transport() {
            if (laterFragment) {
                int value = (family == 6 ? L4Class.FRAGMENT_IPV6_OFFSET : 0) + protocol;
                return ip(L4Class.FRAGMENT, value, L4Class.SPORT_NONE);
            }
            L4Class l4Class = classOf(protocol, family);
            if (l4Class.hasPorts()) {
                if (!available(4)) {
                    return malformed("truncated " + l4Class + " ports");
                }
                sourcePort = u16(pos);
                destinationPort = u16(pos + 2);
                return ip(l4Class, destinationPort, l4Class.index(sourcePort));
            }
            if (l4Class == L4Class.ICMP || l4Class == L4Class.ICMPV6) {
                if (!available(1)) {
                    return malformed("truncated " + l4Class + " type");
                }
                icmpType = u8(pos);
                return ip(l4Class, icmpType, L4Class.SPORT_NONE);
            }
            return ip(L4Class.OTHER, protocol, L4Class.SPORT_NONE);
        }

        /** ICMP counts only under IPv4 and ICMPv6 only under IPv6; otherwise they are OTHER. */
        private static L4Class classOf(int protocol, int family) {
            return switch (protocol) {
                case IpProtocols.TCP -> L4Class.TCP;
                case IpProtocols.UDP -> L4Class.UDP;
                case IpProtocols.SCTP -> L4Class.SCTP;
                case IpProtocols.ICMP -> family == 4 ? L4Class.ICMP : L4Class.OTHER;
                case IpProtocols.ICMPV6 -> family == 6 ? L4Class.ICMPV6 : L4Class.OTHER;
                default -> L4Class.OTHER;
            };
        }

        private ParsedPacket ip(L4Class l4Class, int l4Value, int sportIndex) {
            return finish(ParseOutcome.IP, null, l4Class, l4Value, sportIndex);
        }

        private ParsedPacket malformed(String reason) {
            return finish(ParseOutcome.MALFORMED, reason, null, ABSENT, ABSENT);
        }

        private ParsedPacket finish(ParseOutcome outcome, String reason, L4Class l4Class,
                int l4Value, int sportIndex) {
            return new ParsedPacket(outcome, reason, frame.length, vlanIds, etherType, family,
                    source, destination, protocol, laterFragment, l4Class, l4Value, sportIndex,
                    sourcePort, destinationPort, icmpType);
        }

        private boolean available(int bytes) {
            return pos + bytes <= frame.length;
        }

        private int u8(int offset) {
            return frame[offset] & 0xff;
        }

        private int u16(int offset) {
            return (u8(offset) << 8) | u8(offset + 1);
        }

        private byte[] ipv4Mapped(int offset) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(frame, offset, mapped, 12, 4);
            return mapped;
        }
    }
}
