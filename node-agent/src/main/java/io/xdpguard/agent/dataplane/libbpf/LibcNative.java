package io.xdpguard.agent.dataplane.libbpf;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;

/**
 * Layer 1: the few libc functions this package needs (glibc, Linux). errno is read through
 * {@code jnr.ffi.LastError} right after a failing call, see {@link NativeLibs#lastErrno()}.
 */
final class LibcNative {

    private LibcNative() {
    }

    /**
     * The binding itself. Public only because jnr-ffi implements it in a class of its own class
     * loader, which cannot implement a package-private interface; it stays unreachable from
     * other packages because the enclosing class is package-private.
     */
    public interface Api {

        /** Returns 0 (errno set) when the interface does not exist. */
        int if_nametoindex(String name);

        /** {@code buf} must hold IF_NAMESIZE (16) bytes; returns NULL (errno set) when unknown. */
        Pointer if_indextoname(int ifindex, @Out byte[] buf);

        /**
         * Every interface of the calling thread's network namespace (glibc asks netlink), as an array of
         * {@code struct if_nameindex {unsigned if_index; char *if_name;}} ended by a zero entry; NULL (errno set) on
         * failure. Freed with {@link #if_freenameindex}.
         */
        Pointer if_nameindex();

        void if_freenameindex(Pointer list);

        int close(int fd);

        /** -1 (errno set) on failure. */
        int open(String path, int flags);

        /** BSD lock on the open file description of {@code fd}; -1 (errno set, EWOULDBLOCK with LOCK_NB) on failure. */
        int flock(int fd, int operation);

        int mount(String source, String target, String filesystemType, long mountFlags, Pointer data);

        /** {@code struct statfs} is written to {@code buf}; {@code f_type} is the first field (a long). */
        int statfs(String path, Pointer buf);

        String strerror(int errnum);

        /** NULL when out of memory. */
        Pointer malloc(@size_t long size);

        void free(Pointer pointer);

        /** Formats a libbpf log line: {@code vaList} is the callback's {@code va_list} argument. */
        int vsnprintf(Pointer buf, @size_t long size, Pointer format, Pointer vaList);
    }
}
