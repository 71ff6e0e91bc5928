package io.xdpguard.agent.dataplane.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Little helpers to lay out ABI structs in the kernel's (host) byte order. */
final class Encoding {
    private Encoding() {
    }

    static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    static byte[] u32(int value) {
        return buffer(4).putInt(value).array();
    }

    static int readU32(byte[] bytes, int offset) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).getInt(offset);
    }

    static long readU64(byte[] bytes, int offset) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).getLong(offset);
    }
}
