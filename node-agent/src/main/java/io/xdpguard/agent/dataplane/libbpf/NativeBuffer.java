package io.xdpguard.agent.dataplane.libbpf;

import jnr.ffi.Pointer;

/** Native memory from malloc, freed by {@link #close}: for big buffers whose lifetime is one call. */
final class NativeBuffer implements AutoCloseable {
    private final Pointer pointer;
    private boolean freed;

    private NativeBuffer(Pointer pointer) {
        this.pointer = pointer;
    }

    static NativeBuffer allocate(long size) {
        Pointer p = NativeLibs.libc().malloc(Math.max(1, size));
        if (p == null || p.address() == 0) {
            throw new OutOfMemoryError("malloc(" + size + ") failed");
        }
        return new NativeBuffer(p);
    }

    Pointer pointer() {
        if (freed) {
            throw new IllegalStateException("native buffer already freed");
        }
        return pointer;
    }

    @Override
    public void close() {
        if (!freed) {
            freed = true;
            NativeLibs.libc().free(pointer);
        }
    }
}
