package io.xdpguard.agent.dataplane.libbpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Host-order encoding helpers for test keys and values. */
final class MapBytes {

    private MapBytes() {
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    static int u32(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getInt();
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    static long u64(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getLong();
    }

    /** {@code struct lpm_v4_key { __u32 prefixlen; __u8 addr[4]; }}: address in network order. */
    static byte[] lpmV4(int prefixLen, int addr) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(prefixLen)
                .order(ByteOrder.BIG_ENDIAN).putInt(addr).array();
    }
}
