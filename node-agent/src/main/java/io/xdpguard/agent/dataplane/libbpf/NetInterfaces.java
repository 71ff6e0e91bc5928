package io.xdpguard.agent.dataplane.libbpf;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;

import jnr.ffi.Pointer;

/**
 * Interface name and index lookups in the calling thread's network namespace
 * ({@code if_nametoindex} / {@code if_indextoname}). Listing interfaces is left to
 * {@link java.net.NetworkInterface}.
 */
public final class NetInterfaces {

    /** {@code IF_NAMESIZE}: names are at most 15 bytes plus NUL. */
    public static final int IF_NAMESIZE = 16;

    private NetInterfaces() {
    }

    /** The ifindex of {@code name}, empty when there is no such interface. */
    public static OptionalInt indexOf(String name) {
        if (name == null || name.isEmpty() || name.length() >= IF_NAMESIZE) {
            return OptionalInt.empty();
        }
        int idx = NativeLibs.libc().if_nametoindex(name);
        return idx == 0 ? OptionalInt.empty() : OptionalInt.of(idx);
    }

    /** Like {@link #indexOf} but throws {@link BpfException} (ENODEV) when absent. */
    public static int requireIndex(String name) {
        OptionalInt idx = indexOf(name);
        if (idx.isEmpty()) {
            throw new BpfException("if_nametoindex", name, Errno.ENODEV);
        }
        return idx.getAsInt();
    }

    /** The name of interface {@code ifindex}, empty when there is none. */
    public static Optional<String> nameOf(int ifindex) {
        if (ifindex <= 0) {
            return Optional.empty();
        }
        byte[] buf = new byte[IF_NAMESIZE];
        Pointer p = NativeLibs.libc().if_indextoname(ifindex, buf);
        if (p == null || p.address() == 0) {
            return Optional.empty();
        }
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return Optional.of(new String(buf, 0, n, StandardCharsets.UTF_8));
    }
}
