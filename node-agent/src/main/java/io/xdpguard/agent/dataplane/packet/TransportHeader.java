package io.xdpguard.agent.dataplane.packet;

import java.nio.ByteBuffer;

/** The L4 headers {@link PacketBuilder} writes; each encodes itself followed by the payload. */
sealed interface TransportHeader {

    /** The IP protocol number the header belongs under. */
    int protocol();

    /**
     * The header followed by the payload, checksum filled in. The pseudo-header (where the
     * protocol has one) uses the addresses and the protocol number actually written, which may be
     * an override.
     */
    byte[] encode(byte[] payload, byte[] source, byte[] destination, int ipProtocol);

    record Tcp(int sourcePort, int destinationPort, int flags, long sequence)
            implements TransportHeader {

        private static final int HEADER = 20;
        private static final int DATA_OFFSET_5_WORDS = 5 << 4;

        @Override
        public int protocol() {
            return IpProtocols.TCP;
        }

        @Override
        public byte[] encode(byte[] payload, byte[] source, byte[] destination, int ipProtocol) {
            ByteBuffer segment = ByteBuffer.allocate(HEADER + payload.length)
                    .putShort((short) sourcePort).putShort((short) destinationPort)
                    .putInt((int) sequence).putInt(0)
                    .put((byte) DATA_OFFSET_5_WORDS).put((byte) flags)
                    .putShort((short) 0xffff).putShort((short) 0).putShort((short) 0)
                    .put(payload);
            return withChecksum(segment, 16,
                    InternetChecksum.withPseudoHeader(source, destination, ipProtocol, segment.array()));
        }
    }

    record Udp(int sourcePort, int destinationPort) implements TransportHeader {

        private static final int HEADER = 8;

        @Override
        public int protocol() {
            return IpProtocols.UDP;
        }

        @Override
        public byte[] encode(byte[] payload, byte[] source, byte[] destination, int ipProtocol) {
            int length = HEADER + payload.length;
            ByteBuffer datagram = ByteBuffer.allocate(length)
                    .putShort((short) sourcePort).putShort((short) destinationPort)
                    .putShort((short) length).putShort((short) 0)
                    .put(payload);
            int checksum = InternetChecksum.withPseudoHeader(source, destination, ipProtocol,
                    datagram.array());
            // 0 means "no checksum" in UDP, so a computed 0 is sent as its equivalent 0xffff.
            return withChecksum(datagram, 6, checksum == 0 ? 0xffff : checksum);
        }
    }

    /** The SCTP common header; the CRC32c checksum stays 0, which nothing here verifies. */
    record Sctp(int sourcePort, int destinationPort, int verificationTag)
            implements TransportHeader {

        private static final int HEADER = 12;

        @Override
        public int protocol() {
            return IpProtocols.SCTP;
        }

        @Override
        public byte[] encode(byte[] payload, byte[] source, byte[] destination, int ipProtocol) {
            return ByteBuffer.allocate(HEADER + payload.length)
                    .putShort((short) sourcePort).putShort((short) destinationPort)
                    .putInt(verificationTag).putInt(0)
                    .put(payload).array();
        }
    }

    /** ICMP (no pseudo-header) or ICMPv6 (with one); identifier and sequence 0. */
    record Icmp(boolean v6, int type, int code) implements TransportHeader {

        private static final int HEADER = 8;

        @Override
        public int protocol() {
            return v6 ? IpProtocols.ICMPV6 : IpProtocols.ICMP;
        }

        @Override
        public byte[] encode(byte[] payload, byte[] source, byte[] destination, int ipProtocol) {
            ByteBuffer message = ByteBuffer.allocate(HEADER + payload.length)
                    .put((byte) type).put((byte) code).putShort((short) 0).putInt(0)
                    .put(payload);
            int checksum = v6
                    ? InternetChecksum.withPseudoHeader(source, destination, ipProtocol, message.array())
                    : InternetChecksum.of(message.array());
            return withChecksum(message, 2, checksum);
        }
    }

    private static byte[] withChecksum(ByteBuffer segment, int offset, int checksum) {
        return segment.putShort(offset, (short) checksum).array();
    }
}
