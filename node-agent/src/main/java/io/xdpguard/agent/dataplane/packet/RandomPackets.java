package io.xdpguard.agent.dataplane.packet;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Random frames for differential tests of the dataplane, reproducible from the seed of the
 * Random. Biased towards what matters to the classifier: addresses and ports from the caller's
 * pools (so that packets hit rules) and addresses one bit away from them (so that they just miss
 * prefixes), every protocol, VLAN stacks up to an invalid third tag, IPv4 options, IPv6
 * extension-header chains around the walk limit, first and later fragments, and occasionally
 * non-IP, corrupted or truncated frames.
 *
 * <p>Frames are never shorter than an Ethernet header (14 bytes): BPF_PROG_TEST_RUN rejects
 * shorter input, so the kernel could not be compared on them.
 */
public final class RandomPackets {

    private static final int ETHERNET_HEADER = 14;
    private static final int[] INTERESTING_PORTS = {0, 1, 22, 53, 80, 443, 1023, 1024, 8080, 65535};
    private static final int[] INTERESTING_ICMP_TYPES = {0, 3, 8, 11, 128, 129, 133, 134, 135, 136};
    /** Extension-header numbers, no next header, GRE, ESP: odd things to find as a protocol. */
    private static final int[] INTERESTING_PROTOCOLS = {0, 43, 44, 47, 50, 51, 59, 60};
    private static final int[] EXTENSION_HEADERS = {
        IpProtocols.HOP_BY_HOP, IpProtocols.ROUTING, IpProtocols.DESTINATION_OPTIONS,
        IpProtocols.FRAGMENT, IpProtocols.AUTHENTICATION};

    private final Random random;
    private final List<InetAddress> ipv4Pool;
    private final List<InetAddress> ipv6Pool;
    private final List<Integer> portPool;
    private final List<Integer> icmpTypePool;

    /** Addresses, ports and ICMP types entirely random or from built-in interesting values. */
    public RandomPackets(Random random) {
        this(random, List.of(), List.of());
    }

    /**
     * @param addresses IPv4 and IPv6 addresses to favour, e.g. those of rules
     * @param ports     ports to favour (also used as ICMP types when below 256)
     */
    public RandomPackets(Random random, List<InetAddress> addresses, List<Integer> ports) {
        this.random = random;
        this.ipv4Pool = addresses.stream().filter(a -> a.getAddress().length == 4).toList();
        this.ipv6Pool = addresses.stream().filter(a -> a.getAddress().length == 16).toList();
        this.portPool = List.copyOf(ports);
        this.icmpTypePool = ports.stream().filter(p -> p < 256).toList();
    }

    public byte[] next() {
        PacketBuilder builder = PacketBuilder.ethernet();
        int vlanTags = vlanTags(builder);
        boolean ipv6 = random.nextBoolean();
        if (percent(5)) {
            nonIp(builder);
        } else {
            builder.ip(address(ipv6), address(ipv6)).ttl(random.nextInt(256));
            if (ipv6) {
                extensionHeaders(builder);
            } else {
                ipv4OptionsAndFragment(builder);
            }
            transport(builder, ipv6);
            if (percent(3)) {
                builder.etherType(ipv6 ? EtherTypes.IPV4 : EtherTypes.IPV6); // family mismatch
            }
        }
        if (percent(50)) {
            builder.payload(randomBytes(random.nextInt(64)));
        }
        if (percent(20)) {
            builder.minimumFrameSize(0);
        }
        byte[] frame = builder.build();
        if (percent(3)) {
            corruptFirstNetworkByte(frame, ETHERNET_HEADER + 4 * vlanTags);
        }
        if (percent(10)) {
            return Arrays.copyOf(frame,
                    ETHERNET_HEADER + random.nextInt(frame.length - ETHERNET_HEADER + 1));
        }
        return frame;
    }

    /** Mostly none, sometimes one or two, rarely an invalid third; returns how many. */
    private int vlanTags(PacketBuilder builder) {
        int roll = random.nextInt(100);
        int tags = roll < 70 ? 0 : roll < 88 ? 1 : roll < 97 ? 2 : 3;
        for (int i = 0; i < tags; i++) {
            builder.vlan(random.nextBoolean() ? EtherTypes.VLAN : EtherTypes.QINQ, random.nextInt(4096));
        }
        return tags;
    }

    private void nonIp(PacketBuilder builder) {
        switch (random.nextInt(3)) {
            case 0 -> builder.arp(ipv4Text(), ipv4Text());
            case 1 -> builder.lldp();
            default -> builder.etherType(random.nextInt(0x10000));
        }
    }

    private void ipv4OptionsAndFragment(PacketBuilder builder) {
        if (percent(15)) {
            builder.ipv4Options(randomBytes(4 * (1 + random.nextInt(10))));
        }
        if (percent(15)) {
            fragment(builder);
        }
    }

    /** Often none; otherwise up to 8, so that chains of 6 (the limit) and 7 come up often. */
    private void extensionHeaders(PacketBuilder builder) {
        int count = percent(50) ? 0 : 1 + random.nextInt(8);
        for (int i = 0; i < count; i++) {
            int type = EXTENSION_HEADERS[random.nextInt(EXTENSION_HEADERS.length)];
            if (type == IpProtocols.FRAGMENT) {
                fragment(builder);
            } else if (type == IpProtocols.AUTHENTICATION) {
                builder.extensionHeader(Ipv6ExtensionHeader.of(type, 12 + 4 * random.nextInt(8)));
            } else {
                builder.extensionHeader(Ipv6ExtensionHeader.of(type, 8 + 8 * random.nextInt(6)));
            }
        }
        if (count == 0 && percent(15)) {
            fragment(builder);
        }
    }

    /** Half the time a first fragment (offset 0), otherwise a later one; MF either way. */
    private void fragment(PacketBuilder builder) {
        int offset = random.nextBoolean() ? 0 : 1 + random.nextInt(0x1fff);
        builder.fragment(offset, random.nextBoolean());
    }

    private void transport(PacketBuilder builder, boolean ipv6) {
        int roll = random.nextInt(100);
        if (roll < 25) {
            builder.tcp(port(), port(), random.nextInt(256), random.nextInt());
        } else if (roll < 50) {
            builder.udp(port(), port());
        } else if (roll < 60) {
            builder.sctp(port(), port(), random.nextInt());
        } else if (roll < 77) {
            // Mostly the family's own ICMP; the other one is OTHER to the dataplane.
            boolean icmpv6 = roll < 72 ? ipv6 : !ipv6;
            if (icmpv6) {
                builder.icmpv6(icmpType(), random.nextInt(256));
            } else {
                builder.icmp(icmpType(), random.nextInt(256));
            }
        } else {
            builder.protocol(percent(50)
                    ? INTERESTING_PROTOCOLS[random.nextInt(INTERESTING_PROTOCOLS.length)]
                    : random.nextInt(256));
        }
    }

    /** Bytes, not an InetAddress: Java turns an IPv4-mapped IPv6 address into an IPv4 one. */
    private byte[] address(boolean ipv6) {
        List<InetAddress> pool = ipv6 ? ipv6Pool : ipv4Pool;
        int roll = random.nextInt(100);
        byte[] bytes;
        if (ipv6 && roll >= 95 && !ipv4Pool.isEmpty()) {
            // ::ffff:a.b.c.d of an IPv4 address of the rules: over IPv6 it must not match them
            bytes = new byte[16];
            bytes[10] = (byte) 0xff;
            bytes[11] = (byte) 0xff;
            System.arraycopy(ipv4Pool.get(random.nextInt(ipv4Pool.size())).getAddress(), 0, bytes, 12, 4);
        } else if (pool.isEmpty() || roll >= 65) {
            bytes = randomBytes(ipv6 ? 16 : 4);
        } else {
            bytes = pool.get(random.nextInt(pool.size())).getAddress();
            if (roll >= 50) {
                int bit = random.nextInt(bytes.length * 8);
                bytes[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
            }
        }
        return bytes;
    }

    private String ipv4Text() {
        try {
            return InetAddress.getByAddress(address(false)).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are always an address", e);
        }
    }

    private int port() {
        int roll = random.nextInt(100);
        if (!portPool.isEmpty() && roll < 60) {
            return portPool.get(random.nextInt(portPool.size()));
        }
        return roll < 80 ? INTERESTING_PORTS[random.nextInt(INTERESTING_PORTS.length)]
                : random.nextInt(0x10000);
    }

    private int icmpType() {
        int roll = random.nextInt(100);
        if (!icmpTypePool.isEmpty() && roll < 40) {
            return icmpTypePool.get(random.nextInt(icmpTypePool.size()));
        }
        return roll < 80 ? INTERESTING_ICMP_TYPES[random.nextInt(INTERESTING_ICMP_TYPES.length)]
                : random.nextInt(256);
    }

    /** A random IP version and IPv4 IHL: the byte at the start of the network header. */
    private void corruptFirstNetworkByte(byte[] frame, int networkOffset) {
        if (networkOffset < frame.length) {
            frame[networkOffset] = (byte) random.nextInt(256);
        }
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private boolean percent(int percent) {
        return random.nextInt(100) < percent;
    }
}
