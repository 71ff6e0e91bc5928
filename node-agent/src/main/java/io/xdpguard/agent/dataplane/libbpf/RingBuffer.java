package io.xdpguard.agent.dataplane.libbpf;

import java.util.function.Consumer;
import jnr.ffi.Pointer;

/**
 * A consumer of a BPF ring buffer map: each record the program submitted is handed to the callback as bytes.
 * Not thread-safe: one thread polls.
 */
public final class RingBuffer implements AutoCloseable {
    private final Pointer ringBuffer;
    private final String name;
    /** Held so the native callback stays reachable while libbpf may call it. */
    private final LibBpfNative.Api.SampleFn callback;
    private boolean closed;

    private RingBuffer(Pointer ringBuffer, String name, LibBpfNative.Api.SampleFn callback) {
        this.ringBuffer = ringBuffer;
        this.name = name;
        this.callback = callback;
    }

    /** Opens a consumer on a ring buffer map; {@code onRecord} gets a copy of each record. */
    public static RingBuffer open(BpfMap map, Consumer<byte[]> onRecord) {
        LibBpfNative.Api.SampleFn callback = (ctx, data, size) -> {
            byte[] record = new byte[(int) size];
            data.get(0, record, 0, record.length);
            onRecord.accept(record);
            return 0;
        };
        Pointer ringBuffer = NativeLibs.bpf().ring_buffer__new(map.fd(), callback, null, null);
        if (ringBuffer == null) {
            throw new BpfException("ring_buffer__new", map.name(), NativeLibs.lastErrno());
        }
        return new RingBuffer(ringBuffer, map.name(), callback);
    }

    /** Waits up to {@code timeoutMs} for records and hands each to the callback; returns how many. */
    public int poll(int timeoutMs) {
        if (closed) {
            throw new IllegalStateException("ring buffer " + name + " is closed");
        }
        int r = NativeLibs.bpf().ring_buffer__poll(ringBuffer, timeoutMs);
        if (r < 0 && r != -Errno.EINTR) {
            throw new BpfException("ring_buffer__poll", name, -r);
        }
        return Math.max(r, 0);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            NativeLibs.bpf().ring_buffer__free(ringBuffer);
        }
    }

    @Override
    public String toString() {
        return "RingBuffer[" + name + "]";
    }
}
