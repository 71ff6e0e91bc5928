package io.xdpguard.agent.cli;

import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import java.util.Locale;

/**
 * Packets written the short way on the command line: {@code udp 192.0.2.10:3333 10.9.9.9:53},
 * {@code tcp [2001:db8::1]:40000 [2001:db8::2]:443}, {@code icmp 192.0.2.1 192.0.2.2 8} (the last number is the
 * ICMP type), {@code icmp6 2001:db8::1 2001:db8::2 128} (IPv6 addresses with or without brackets).
 */
final class PacketDescription {
    private PacketDescription() {
    }

    static boolean looksLikeOne(String text) {
        return text.trim().contains(" ");
    }

    static byte[] parse(String text) {
        String[] parts = text.trim().split("\\s+");
        String protocol = parts[0].toLowerCase(Locale.ROOT);
        try {
            return switch (protocol) {
                case "tcp", "udp", "sctp" -> {
                    require(parts.length == 3, text);
                    Endpoint source = Endpoint.parse(parts[1]);
                    Endpoint destination = Endpoint.parse(parts[2]);
                    PacketBuilder packet = PacketBuilder.ethernet().ip(PacketBuilder.addressLiteral(source.address()),
                            PacketBuilder.addressLiteral(destination.address()));
                    yield (switch (protocol) {
                        case "tcp" -> packet.tcp(source.port(), destination.port());
                        case "udp" -> packet.udp(source.port(), destination.port());
                        default -> packet.sctp(source.port(), destination.port(), 1);
                    }).build();
                }
                case "icmp", "icmp6" -> {
                    require(parts.length == 4, text);
                    PacketBuilder packet = PacketBuilder.ethernet().ip(PacketBuilder.addressLiteral(unbracket(parts[1])),
                            PacketBuilder.addressLiteral(unbracket(parts[2])));
                    int type = Integer.parseInt(parts[3]);
                    yield (protocol.equals("icmp") ? packet.icmp(type, 0) : packet.icmpv6(type, 0)).build();
                }
                default -> throw new IllegalArgumentException("unknown protocol \"" + parts[0] + "\"");
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--packet \"" + text + "\": " + e.getMessage()
                    + " (write e.g. \"udp 192.0.2.1:3333 10.0.0.1:53\" or \"icmp 192.0.2.1 10.0.0.1 8\")");
        }
    }

    /** {@code [2001:db8::1]} as written for ports is accepted without a port too. */
    private static String unbracket(String address) {
        return address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
    }

    private static void require(boolean ok, String text) {
        if (!ok) {
            throw new IllegalArgumentException("wrong number of fields");
        }
    }

    /** {@code 192.0.2.1:53} or {@code [2001:db8::1]:53}. */
    private record Endpoint(String address, int port) {
        static Endpoint parse(String text) {
            int colon = text.lastIndexOf(':');
            if (text.startsWith("[")) {
                int close = text.indexOf(']');
                return new Endpoint(text.substring(1, close), Integer.parseInt(text.substring(close + 2)));
            }
            if (colon < 0 || text.indexOf(':') != colon) {
                throw new IllegalArgumentException("\"" + text + "\" needs a port: address:port or [ipv6]:port");
            }
            return new Endpoint(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        }
    }
}
