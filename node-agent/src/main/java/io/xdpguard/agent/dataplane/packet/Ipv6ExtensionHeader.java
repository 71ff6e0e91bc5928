package io.xdpguard.agent.dataplane.packet;

import java.nio.ByteBuffer;

/**
 * One IPv6 extension header for {@link PacketBuilder}; the builder chains the next-header fields.
 *
 * @param type            hop-by-hop (0), routing (43), fragment (44), AH (51) or destination
 *                        options (60)
 * @param length          bytes on the wire: a multiple of 8 (AH: of 4, at least 12); the length
 *                        field is derived from it
 * @param fragmentOffset  fragment only: the offset in 8-byte units
 * @param moreFragments   fragment only: the M flag
 */
public record Ipv6ExtensionHeader(int type, int length, int fragmentOffset, boolean moreFragments) {

    private static final int FRAGMENT_LENGTH = 8;
    private static final int DEFAULT_AH_LENGTH = 24; // 12 fixed bytes and a 96-bit ICV
    private static final int PAD_1 = 0;
    private static final int PAD_N = 1;
    private static final int MAX_PAD_N_DATA = 255;
    private static final int MAX_FRAGMENT_OFFSET = 0x1fff;

    public Ipv6ExtensionHeader {
        if (!IpProtocols.isIpv6ExtensionHeader(type)) {
            throw new IllegalArgumentException("not an IPv6 extension header: " + type);
        }
        if (type == IpProtocols.FRAGMENT) {
            if (length != FRAGMENT_LENGTH) {
                throw new IllegalArgumentException("a fragment header is 8 bytes");
            }
            if (fragmentOffset < 0 || fragmentOffset > MAX_FRAGMENT_OFFSET) {
                throw new IllegalArgumentException("fragment offset out of range: " + fragmentOffset);
            }
        } else {
            if (fragmentOffset != 0 || moreFragments) {
                throw new IllegalArgumentException("fragment fields on a non-fragment header");
            }
            boolean valid = type == IpProtocols.AUTHENTICATION
                    ? length % 4 == 0 && length >= 12 && length <= (255 + 2) * 4
                    : length % 8 == 0 && length >= 8 && length <= (255 + 1) * 8;
            if (!valid) {
                throw new IllegalArgumentException("invalid length " + length + " for header " + type);
            }
        }
    }

    /** Hop-by-hop options, destination options or routing of the given length; AH of length. */
    public static Ipv6ExtensionHeader of(int type, int length) {
        return new Ipv6ExtensionHeader(type, length, 0, false);
    }

    public static Ipv6ExtensionHeader hopByHop() {
        return of(IpProtocols.HOP_BY_HOP, 8);
    }

    public static Ipv6ExtensionHeader routing() {
        return of(IpProtocols.ROUTING, 8);
    }

    public static Ipv6ExtensionHeader destinationOptions() {
        return of(IpProtocols.DESTINATION_OPTIONS, 8);
    }

    public static Ipv6ExtensionHeader authentication() {
        return of(IpProtocols.AUTHENTICATION, DEFAULT_AH_LENGTH);
    }

    public static Ipv6ExtensionHeader fragment(int offset, boolean moreFragments) {
        return new Ipv6ExtensionHeader(IpProtocols.FRAGMENT, FRAGMENT_LENGTH, offset, moreFragments);
    }

    /** The header's bytes, pointing at {@code nextHeader}. */
    byte[] encode(int nextHeader) {
        ByteBuffer header = ByteBuffer.allocate(length).put((byte) nextHeader);
        switch (type) {
            case IpProtocols.FRAGMENT -> header.put((byte) 0)
                    .putShort((short) (fragmentOffset << 3 | (moreFragments ? 1 : 0)))
                    .putInt(1); // identification
            case IpProtocols.AUTHENTICATION -> header.put((byte) (length / 4 - 2))
                    .putShort((short) 0).putInt(0x100).putInt(1); // reserved, SPI, sequence; ICV 0
            // Routing type 0 with no segments left, which a receiver must ignore (RFC 5095).
            case IpProtocols.ROUTING -> header.put((byte) (length / 8 - 1));
            default -> padOptions(header.put((byte) (length / 8 - 1)));
        }
        return header.array();
    }

    /** Fills the option area with padding options, so that the options are valid. */
    private static void padOptions(ByteBuffer options) {
        while (options.hasRemaining()) {
            int padding = Math.min(options.remaining() - 2, MAX_PAD_N_DATA);
            if (padding < 0) {
                options.put((byte) PAD_1);
            } else {
                options.put((byte) PAD_N).put((byte) padding);
                options.position(options.position() + padding); // zero bytes already
            }
        }
    }
}
