package io.xdpguard.agent.dataplane.libbpf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import jnr.ffi.Pointer;

/**
 * Interface listing and name/index lookups in the calling thread's network namespace ({@code if_nameindex},
 * {@code if_nametoindex}, {@code if_indextoname}).
 */
public final class NetInterfaces {

    /** {@code IF_NAMESIZE}: names are at most 15 bytes plus NUL. */
    public static final int IF_NAMESIZE = 16;

    private NetInterfaces() {
    }

    /** A network interface: its name and ifindex. */
    public record Link(String name, int index) {
    }

    /**
     * Every interface, by name. Unlike {@link java.net.NetworkInterface}, which lists only interfaces with an IP
     * address, this includes interfaces without one (bond slaves, bridge ports, a veth not yet configured) and
     * interfaces that are down (which lose their IPv6 addresses).
     *
     * @throws BpfException when the kernel cannot be asked (the caller must not take that for "no interfaces")
     */
    public static List<Link> list() {
        LibcNative.Api libc = NativeLibs.libc();
        Pointer entries = libc.if_nameindex();
        if (entries == null || entries.address() == 0) {
            throw new BpfException("if_nameindex", "", NativeLibs.lastErrno());
        }
        try {
            long stride = 2L * entries.getRuntime().addressSize(); // unsigned int, padding, char *
            List<Link> links = new ArrayList<>();
            for (long at = 0; ; at += stride) {
                int index = entries.getInt(at);
                Pointer name = entries.getPointer(at + entries.getRuntime().addressSize());
                if (index == 0 || name == null) {
                    break;
                }
                links.add(new Link(name.getString(0, IF_NAMESIZE, StandardCharsets.UTF_8), index));
            }
            links.sort(Comparator.comparing(Link::name));
            return links;
        } finally {
            libc.if_freenameindex(entries);
        }
    }

    /** The names of {@link #list}, sorted. */
    public static List<String> names() {
        return list().stream().map(Link::name).toList();
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
