package io.xdpguard.agent.dataplane.libbpf;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.types.size_t;
import jnr.ffi.types.u_int64_t;

/**
 * Layer 1: the raw jnr-ffi binding of libbpf (libbpf.so.1, API 1.x).
 *
 * <p>Only the functions this package uses are bound. Everything here speaks libbpf's own
 * conventions (negative errno return values, NULL pointers with errno set, pointers to
 * option structs); nothing outside this package sees it. The option and info structs are
 * laid out by hand in {@link NativeStructs}.
 *
 * <p>libbpf 1.x ("1.0 mode", always on since 1.0) returns {@code -errno} from every int
 * function and also stores the error in {@code errno}; functions returning pointers return
 * NULL and set {@code errno}.
 */
final class LibBpfNative {

    private LibBpfNative() {
    }

    /**
     * The binding itself. Public only because jnr-ffi implements it in a class of its own class
     * loader, which cannot implement a package-private interface; it stays unreachable from
     * other packages because the enclosing class is package-private.
     */
    public interface Api {

        // ---- library -------------------------------------------------------------------------

        int libbpf_major_version();

        int libbpf_minor_version();

        /** {@code int (*)(enum libbpf_print_level level, const char *fmt, va_list args)}. */
        interface PrintFn {
            @Delegate
            int print(int level, Pointer format, Pointer vaList);
        }

        /** Returns the previous callback (ignored). */
        Pointer libbpf_set_print(PrintFn fn);

        /** 1 = supported, 0 = not supported, &lt;0 = -errno (e.g. -EPERM without CAP_BPF). */
        int libbpf_probe_bpf_prog_type(int progType, Pointer opts);

        // ---- bpf_object ----------------------------------------------------------------------

        /** {@code struct bpf_object *bpf_object__open_file(const char *path, const struct bpf_object_open_opts *opts)}. */
        Pointer bpf_object__open_file(String path, Pointer opts);

        int bpf_object__load(Pointer obj);

        void bpf_object__close(Pointer obj);

        Pointer bpf_object__find_map_by_name(Pointer obj, String name);

        Pointer bpf_object__find_program_by_name(Pointer obj, String name);

        /** {@code prev == NULL} returns the first map; returns NULL after the last. */
        Pointer bpf_object__next_map(Pointer obj, Pointer prev);

        // ---- bpf_map (object side) -----------------------------------------------------------

        String bpf_map__name(Pointer map);

        int bpf_map__set_pin_path(Pointer map, String path);

        int bpf_map__set_max_entries(Pointer map, int maxEntries);

        /** Replaces an internal map's (.rodata, .data, ...) initial contents; {@code size} must be its value size. */
        int bpf_map__set_initial_value(Pointer map, @In byte[] data, @size_t long size);

        int bpf_map__fd(Pointer map);

        int bpf_map__type(Pointer map);

        int bpf_map__key_size(Pointer map);

        int bpf_map__value_size(Pointer map);

        int bpf_map__max_entries(Pointer map);

        int bpf_map__map_flags(Pointer map);

        // ---- bpf_program (object side) -------------------------------------------------------

        int bpf_program__fd(Pointer prog);

        // ---- map syscalls (bpf.h) ------------------------------------------------------------

        int bpf_map_update_elem(int fd, @In byte[] key, @In byte[] value, @u_int64_t long flags);

        /** Pointer variant: used for the per-element fallback of batch updates (no copying). */
        int bpf_map_update_elem(int fd, @In Pointer key, @In Pointer value, @u_int64_t long flags);

        int bpf_map_lookup_elem(int fd, @In byte[] key, @Out byte[] value);

        int bpf_map_delete_elem(int fd, @In byte[] key);

        /** {@code key == null} yields the first key. */
        int bpf_map_get_next_key(int fd, @In byte[] key, @Out byte[] nextKey);

        /** {@code count} points to a {@code __u32}, in/out: number of elements to update / updated. */
        int bpf_map_update_batch(int fd, @In Pointer keys, @In Pointer values, Pointer count, @In Pointer opts);

        // ---- objects, ids, info --------------------------------------------------------------

        int bpf_obj_pin(int fd, String path);

        int bpf_obj_get(String path);

        /** {@code info_len} is in/out. */
        int bpf_obj_get_info_by_fd(int fd, Pointer info, IntByReference infoLen);

        int bpf_prog_get_fd_by_id(int id);

        /** BPF_PROG_BIND_MAP: the map is held by (and listed in the map ids of) the program; opts may be null. */
        int bpf_prog_bind_map(int progFd, int mapFd, Pointer opts);

        int bpf_map_get_fd_by_id(int id);

        int bpf_prog_get_next_id(int startId, IntByReference nextId);

        int bpf_map_get_next_id(int startId, IntByReference nextId);

        // ---- test run ------------------------------------------------------------------------

        int bpf_prog_test_run_opts(int progFd, Pointer opts);

        // ---- XDP attach (netlink) ------------------------------------------------------------

        int bpf_xdp_attach(int ifindex, int progFd, int flags, Pointer opts);

        int bpf_xdp_detach(int ifindex, int flags, Pointer opts);

        int bpf_xdp_query(int ifindex, int flags, Pointer opts);

        // ---- ring buffer ---------------------------------------------------------------------

        /** {@code int (*ring_buffer_sample_fn)(void *ctx, void *data, size_t size)}. */
        interface SampleFn {
            @Delegate
            int sample(Pointer ctx, Pointer data, long size);
        }

        Pointer ring_buffer__new(int mapFd, SampleFn sample, Pointer ctx, Pointer opts);

        /** Number of records consumed, or -errno. */
        int ring_buffer__poll(Pointer ringBuffer, int timeoutMs);

        void ring_buffer__free(Pointer ringBuffer);
    }
}
