package io.xdpguard.agent.dataplane.packet;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Builds raw Ethernet frames for tests, the {@code trace} CLI and benchmarks: valid ones with
 * correct lengths and checksums, and (through VLAN stacking, overrides and {@link #truncate})
 * malformed ones. Choose the network layer ({@link #ipv4}, {@link #ipv6}, {@link #arp}, ...)
 * before the settings that depend on it.
 *
 * <pre>{@code
 * byte[] frame = PacketBuilder.udp4("10.0.0.1", 1234, "10.0.0.2", 53).vlan(10).build();
 * }</pre>
 */
public final class PacketBuilder {

    /** What a NIC pads a frame to, FCS excluded. */
    public static final int DEFAULT_MINIMUM_FRAME_SIZE = 60;

    public static final int TCP_FIN = 0x01;
    public static final int TCP_SYN = 0x02;
    public static final int TCP_RST = 0x04;
    public static final int TCP_PSH = 0x08;
    public static final int TCP_ACK = 0x10;

    private static final int UNSET = -1;
    private static final int DEFAULT_TTL = 64;
    private static final int IPV4_HEADER = 20;
    private static final int MAX_IPV4_OPTIONS = 40;
    private static final int IPV4_MORE_FRAGMENTS = 0x2000;
    private static final int MAX_IPV4_FRAGMENT_OFFSET = 0x1fff;
    private static final int MAX_IP_LENGTH = 0xffff;
    private static final byte[] LLDP_MULTICAST = mac("01:80:c2:00:00:0e");
    private static final HexFormat HEX = HexFormat.of();
    /** Plain dotted-quad and IPv6 literals only: no "" (loopback), "10.1", ranges or prefixes. */
    private static final IPAddressStringParameters ADDRESS_LITERAL = new IPAddressStringParameters.Builder()
            .allowEmpty(false).allowAll(false).allowSingleSegment(false)
            .allowPrefix(false).allowMask(false).allowWildcardedSeparator(false)
            .setRangeOptions(IPAddressStringParameters.RangeParameters.NO_RANGE)
            .getIPv4AddressParametersBuilder().allow_inet_aton(false).getParentBuilder()
            .toParams();

    private byte[] sourceMac = mac("02:00:00:00:00:01");
    private byte[] destinationMac = mac("02:00:00:00:00:02");
    private final List<VlanTag> vlanTags = new ArrayList<>();
    private int etherTypeOverride = UNSET;
    private int nonIpEtherType = UNSET;
    private byte[] nonIpBody = new byte[0];
    private int family;
    private byte[] source;
    private byte[] destination;
    private int ttl = DEFAULT_TTL;
    private byte[] ipv4Options = new byte[0];
    private int ipv4FragmentOffset;
    private boolean ipv4MoreFragments;
    private final List<Ipv6ExtensionHeader> extensionHeaders = new ArrayList<>();
    private int protocolOverride = UNSET;
    private TransportHeader transport;
    private byte[] payload = new byte[0];
    private int minimumFrameSize = DEFAULT_MINIMUM_FRAME_SIZE;
    private int truncateTo = UNSET;

    private record VlanTag(int tpid, int id) {
    }

    private PacketBuilder() {
    }

    /** An Ethernet frame with nothing chosen yet. */
    public static PacketBuilder ethernet() {
        return new PacketBuilder();
    }

    public static PacketBuilder udp4(String source, int sourcePort, String destination,
            int destinationPort) {
        return ethernet().ipv4(source, destination).udp(sourcePort, destinationPort);
    }

    public static PacketBuilder udp6(String source, int sourcePort, String destination,
            int destinationPort) {
        return ethernet().ipv6(source, destination).udp(sourcePort, destinationPort);
    }

    /** A TCP SYN. */
    public static PacketBuilder tcp4(String source, int sourcePort, String destination,
            int destinationPort) {
        return ethernet().ipv4(source, destination).tcp(sourcePort, destinationPort);
    }

    /** A TCP SYN. */
    public static PacketBuilder tcp6(String source, int sourcePort, String destination,
            int destinationPort) {
        return ethernet().ipv6(source, destination).tcp(sourcePort, destinationPort);
    }

    /** ICMP of the type, code 0, between documentation addresses (change them with ipv4()). */
    public static PacketBuilder icmp4(int type) {
        return ethernet().ipv4("192.0.2.1", "192.0.2.2").icmp(type, 0);
    }

    /** ICMPv6 of the type, code 0, between documentation addresses (change them with ipv6()). */
    public static PacketBuilder icmp6(int type) {
        return ethernet().ipv6("2001:db8::1", "2001:db8::2").icmpv6(type, 0);
    }

    /** @param mac colon-separated, e.g. "02:00:00:00:00:01" */
    public PacketBuilder sourceMac(String mac) {
        sourceMac = mac(mac);
        return this;
    }

    /** @param mac colon-separated, e.g. "02:00:00:00:00:01" */
    public PacketBuilder destinationMac(String mac) {
        destinationMac = mac(mac);
        return this;
    }

    /** Adds an 802.1Q (0x8100) tag inside the ones added before. */
    public PacketBuilder vlan(int id) {
        return vlan(EtherTypes.VLAN, id);
    }

    /**
     * Adds a tag with the given TPID (normally 0x8100 or 0x88a8) inside the ones added before;
     * any number of tags, so that invalid stacks can be built.
     */
    public PacketBuilder vlan(int tpid, int id) {
        vlanTags.add(new VlanTag(checkRange("TPID", tpid, 0xffff), checkRange("VLAN id", id, 0xfff)));
        return this;
    }

    /** Writes this ethertype (after the VLAN tags) whatever the network layer is. */
    public PacketBuilder etherType(int etherType) {
        etherTypeOverride = checkRange("ethertype", etherType, 0xffff);
        return this;
    }

    /** An ARP request from the source MAC as set so far. */
    public PacketBuilder arp(String senderIp, String targetIp) {
        byte[] sender = address(senderIp, 4);
        byte[] target = address(targetIp, 4);
        return nonIp(EtherTypes.ARP, ByteBuffer.allocate(28)
                .putShort((short) 1) // Ethernet
                .putShort((short) EtherTypes.IPV4)
                .put((byte) 6).put((byte) 4)
                .putShort((short) 1) // request
                .put(sourceMac).put(sender)
                .put(new byte[6]).put(target)
                .array());
    }

    /**
     * A minimal LLDPDU (chassis id = the source MAC as set so far, port id "1", TTL 120) to the
     * LLDP multicast address.
     */
    public PacketBuilder lldp() {
        destinationMac = LLDP_MULTICAST.clone();
        return nonIp(EtherTypes.LLDP, ByteBuffer.allocate(19)
                .putShort(lldpTlv(1, 7)).put((byte) 4).put(sourceMac) // chassis id: a MAC
                .putShort(lldpTlv(2, 2)).put((byte) 7).put((byte) '1') // port id: local
                .putShort(lldpTlv(3, 2)).putShort((short) 120) // TTL
                .putShort(lldpTlv(0, 0)) // end
                .array());
    }

    public PacketBuilder ipv4(String source, String destination) {
        return ip(address(source, 4), address(destination, 4));
    }

    public PacketBuilder ipv6(String source, String destination) {
        return ip(address(source, 16), address(destination, 16));
    }

    /** IPv4 TTL or IPv6 hop limit. */
    public PacketBuilder ttl(int ttl) {
        this.ttl = checkRange("TTL", ttl, 0xff);
        return this;
    }

    /** IPv4 options, raw; they set the IHL. */
    public PacketBuilder ipv4Options(byte[] options) {
        requireFamily(4);
        if (options.length % 4 != 0 || options.length > MAX_IPV4_OPTIONS) {
            throw new IllegalArgumentException("IPv4 options must be a multiple of 4 bytes, at most 40");
        }
        ipv4Options = options.clone();
        return this;
    }

    /**
     * Makes the packet a fragment: IPv4 sets the fragment offset and MF flag; IPv6 appends a
     * fragment header to the extension headers.
     *
     * @param offset in 8-byte units
     */
    public PacketBuilder fragment(int offset, boolean moreFragments) {
        if (family == 6) {
            return extensionHeader(Ipv6ExtensionHeader.fragment(offset, moreFragments));
        }
        requireFamily(4);
        ipv4FragmentOffset = checkRange("fragment offset", offset, MAX_IPV4_FRAGMENT_OFFSET);
        ipv4MoreFragments = moreFragments;
        return this;
    }

    /** Appends an IPv6 extension header; the next-header chain is filled in by build(). */
    public PacketBuilder extensionHeader(Ipv6ExtensionHeader header) {
        requireFamily(6);
        extensionHeaders.add(header);
        return this;
    }

    /**
     * Writes this IPv4 protocol / last IPv6 next header whatever the transport header is.
     * Without a transport header and without an override it is 59 (no next header).
     */
    public PacketBuilder protocol(int protocol) {
        protocolOverride = checkRange("protocol", protocol, 0xff);
        return this;
    }

    /** A TCP SYN with sequence number 0. */
    public PacketBuilder tcp(int sourcePort, int destinationPort) {
        return tcp(sourcePort, destinationPort, TCP_SYN, 0);
    }

    /** @param flags TCP_* bits */
    public PacketBuilder tcp(int sourcePort, int destinationPort, int flags, long sequence) {
        transport = new TransportHeader.Tcp(port(sourcePort), port(destinationPort),
                checkRange("TCP flags", flags, 0xff), sequence);
        return this;
    }

    public PacketBuilder udp(int sourcePort, int destinationPort) {
        transport = new TransportHeader.Udp(port(sourcePort), port(destinationPort));
        return this;
    }

    public PacketBuilder sctp(int sourcePort, int destinationPort, int verificationTag) {
        transport = new TransportHeader.Sctp(port(sourcePort), port(destinationPort), verificationTag);
        return this;
    }

    /** An ICMP header (protocol 1) under either family. */
    public PacketBuilder icmp(int type, int code) {
        transport = new TransportHeader.Icmp(false, checkRange("ICMP type", type, 0xff),
                checkRange("ICMP code", code, 0xff));
        return this;
    }

    /** An ICMPv6 header (protocol 58) under either family. */
    public PacketBuilder icmpv6(int type, int code) {
        transport = new TransportHeader.Icmp(true, checkRange("ICMPv6 type", type, 0xff),
                checkRange("ICMPv6 code", code, 0xff));
        return this;
    }

    /**
     * Bytes after the transport header; with no transport header, the whole IP payload (so
     * {@code protocol(47).payload(...)} is a raw protocol packet).
     */
    public PacketBuilder payload(byte[] payload) {
        this.payload = payload.clone();
        return this;
    }

    /** Zero-pads shorter frames to this size; 0 for no padding. */
    public PacketBuilder minimumFrameSize(int size) {
        minimumFrameSize = checkRange("minimum frame size", size, Integer.MAX_VALUE);
        return this;
    }

    /** Cuts the finished frame (after padding) to at most this many bytes. */
    public PacketBuilder truncate(int length) {
        truncateTo = checkRange("truncated length", length, Integer.MAX_VALUE);
        return this;
    }

    public byte[] build() {
        byte[] network = switch (family) {
            case 4 -> ipv4Packet();
            case 6 -> ipv6Packet();
            default -> ByteBuffer.allocate(nonIpBody.length + payload.length)
                    .put(nonIpBody).put(payload).array();
        };
        int etherType = etherTypeOverride != UNSET ? etherTypeOverride : naturalEtherType();
        int length = 14 + 4 * vlanTags.size() + network.length;
        ByteBuffer frame = ByteBuffer.allocate(Math.max(length, minimumFrameSize))
                .put(destinationMac).put(sourceMac);
        for (VlanTag tag : vlanTags) {
            frame.putShort((short) tag.tpid()).putShort((short) tag.id());
        }
        frame.putShort((short) etherType).put(network);
        byte[] bytes = frame.array();
        return truncateTo == UNSET ? bytes : Arrays.copyOf(bytes, Math.min(truncateTo, bytes.length));
    }

    /** build() as lower-case hex. */
    public String toHex() {
        return toHex(build());
    }

    public static String toHex(byte[] frame) {
        return HEX.formatHex(frame);
    }

    /** Parses hex as the CLI takes it: an optional "0x", whitespace, ':' and '-' ignored. */
    public static byte[] fromHex(String hex) {
        String digits = hex.replaceAll("[\\s:-]", "");
        if (digits.startsWith("0x") || digits.startsWith("0X")) {
            digits = digits.substring(2);
        }
        return HEX.parseHex(digits);
    }

    private byte[] ipv4Packet() {
        int protocol = protocol();
        byte[] segment = segment(protocol);
        int headerLength = IPV4_HEADER + ipv4Options.length;
        int totalLength = checkRange("IPv4 total length", headerLength + segment.length, MAX_IP_LENGTH);
        int fragmentField = ipv4FragmentOffset | (ipv4MoreFragments ? IPV4_MORE_FRAGMENTS : 0);
        ByteBuffer header = ByteBuffer.allocate(headerLength)
                .put((byte) (0x40 | headerLength / 4)).put((byte) 0)
                .putShort((short) totalLength)
                .putShort((short) 0) // identification
                .putShort((short) fragmentField)
                .put((byte) ttl).put((byte) protocol)
                .putShort((short) 0) // checksum, below
                .put(source).put(destination)
                .put(ipv4Options);
        header.putShort(10, (short) InternetChecksum.of(header.array()));
        return ByteBuffer.allocate(totalLength).put(header.array()).put(segment).array();
    }

    private byte[] ipv6Packet() {
        int protocol = protocol();
        byte[] segment = segment(protocol);
        ByteBuffer extensions = ByteBuffer.allocate(
                extensionHeaders.stream().mapToInt(Ipv6ExtensionHeader::length).sum());
        for (int i = 0; i < extensionHeaders.size(); i++) {
            int next = i + 1 < extensionHeaders.size() ? extensionHeaders.get(i + 1).type() : protocol;
            extensions.put(extensionHeaders.get(i).encode(next));
        }
        int payloadLength = checkRange("IPv6 payload length",
                extensions.capacity() + segment.length, MAX_IP_LENGTH);
        int firstNext = extensionHeaders.isEmpty() ? protocol : extensionHeaders.get(0).type();
        return ByteBuffer.allocate(40 + payloadLength)
                .putInt(6 << 28) // version; traffic class and flow label 0
                .putShort((short) payloadLength).put((byte) firstNext).put((byte) ttl)
                .put(source).put(destination)
                .put(extensions.array()).put(segment)
                .array();
    }

    private int protocol() {
        if (protocolOverride != UNSET) {
            return protocolOverride;
        }
        return transport != null ? transport.protocol() : IpProtocols.NO_NEXT_HEADER;
    }

    private byte[] segment(int protocol) {
        return transport == null ? payload : transport.encode(payload, source, destination, protocol);
    }

    private int naturalEtherType() {
        return switch (family) {
            case 4 -> EtherTypes.IPV4;
            case 6 -> EtherTypes.IPV6;
            default -> {
                if (nonIpEtherType == UNSET) {
                    throw new IllegalStateException(
                            "no network layer: call ipv4(), ipv6(), arp(), lldp() or etherType()");
                }
                yield nonIpEtherType;
            }
        };
    }

    /**
     * IPv4 or IPv6 by the addresses' length (4 or 16 bytes), which must be the same: an IPv4-mapped IPv6 address
     * (::ffff:a.b.c.d) stays IPv6 here.
     */
    public PacketBuilder ip(byte[] source, byte[] destination) {
        if (source.length != destination.length) {
            throw new IllegalArgumentException("source and destination of different families");
        }
        this.family = source.length == 4 ? 4 : 6;
        this.source = source;
        this.destination = destination;
        return this;
    }

    private PacketBuilder nonIp(int etherType, byte[] body) {
        family = 0;
        nonIpEtherType = etherType;
        nonIpBody = body;
        return this;
    }

    private void requireFamily(int required) {
        if (family != required) {
            throw new IllegalStateException("needs an IPv" + required + " packet: call ipv"
                    + required + "() first");
        }
    }

    /**
     * The 4 or 16 bytes of an IPv4 or IPv6 address literal; never a DNS lookup, and ::ffff:a.b.c.d stays IPv6
     * (InetAddress.getByName does both).
     */
    public static byte[] addressLiteral(String literal) {
        IPAddress address = new IPAddressString(literal, ADDRESS_LITERAL).getAddress();
        if (address == null) {
            throw new IllegalArgumentException("not an IP address: " + literal);
        }
        return address.getBytes();
    }

    /** An address literal; never a DNS lookup, unlike InetAddress.getByName. */
    private static byte[] address(String literal, int bytes) {
        IPAddress address = new IPAddressString(literal, ADDRESS_LITERAL).getAddress();
        if (address == null || address.getByteCount() != bytes) {
            throw new IllegalArgumentException("not an IPv" + (bytes == 4 ? 4 : 6) + " address: "
                    + literal);
        }
        return address.getBytes();
    }

    private static byte[] mac(String mac) {
        byte[] bytes = HexFormat.ofDelimiter(":").parseHex(mac);
        if (bytes.length != 6) {
            throw new IllegalArgumentException("not a MAC address: " + mac);
        }
        return bytes;
    }

    private static short lldpTlv(int type, int length) {
        return (short) (type << 9 | length);
    }

    private static int port(int port) {
        return checkRange("port", port, 0xffff);
    }

    private static int checkRange(String what, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(what + " out of range: " + value);
        }
        return value;
    }
}
