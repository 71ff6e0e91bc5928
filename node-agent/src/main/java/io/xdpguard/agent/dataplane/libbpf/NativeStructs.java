package io.xdpguard.agent.dataplane.libbpf;

import java.nio.charset.StandardCharsets;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Hand-written layouts of the C structs passed to libbpf, as explicit byte offsets on LP64
 * (x86_64, aarch64). Every offset was taken from the headers of libbpf 1.1.2
 * ({@code /usr/include/bpf/bpf.h}, {@code /usr/include/bpf/libbpf.h}) and the UAPI
 * ({@code /usr/include/linux/bpf.h}), and checked with a C {@code offsetof}/{@code sizeof}
 * program; {@code NativeStructsLayoutTest} re-checks them with the C compiler on every run.
 *
 * <p>The option structs start with {@code size_t sz}, which must be the struct size this code
 * was written against: libbpf accepts smaller (older) and larger (newer, as long as the unknown
 * tail is zero) values, so these sizes stay valid with later libbpf releases.
 *
 * <p>Memory from {@link #alloc} is freed by the garbage collector. A buffer that only a struct
 * refers to (by raw address, e.g. {@code data_in}) must be kept reachable until the native call
 * returns, with {@link java.lang.ref.Reference#reachabilityFence}.
 */
final class NativeStructs {

    private NativeStructs() {
    }

    /** Zeroed native memory, freed by the GC. */
    static Pointer alloc(long size) {
        return Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(), Math.toIntExact(size), true);
    }

    /** Reads a NUL-terminated string of at most {@code max} bytes. */
    static String cString(Pointer p, long offset, int max) {
        byte[] b = new byte[max];
        p.get(offset, b, 0, max);
        int n = 0;
        while (n < max && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** {@code struct bpf_test_run_opts} (bpf.h). */
    static final class TestRunOpts {
        static final int SIZE = 80;
        static final int SZ = 0;               // size_t
        static final int DATA_IN = 8;          // const void *
        static final int DATA_OUT = 16;        // void *
        static final int DATA_SIZE_IN = 24;    // __u32
        static final int DATA_SIZE_OUT = 28;   // __u32 in: capacity, out: length
        static final int CTX_IN = 32;          // const void *
        static final int CTX_OUT = 40;         // void *
        static final int CTX_SIZE_IN = 48;     // __u32
        static final int CTX_SIZE_OUT = 52;    // __u32
        static final int RETVAL = 56;          // __u32 out
        static final int REPEAT = 60;          // int
        static final int DURATION = 64;        // __u32 out, ns per repetition
        static final int FLAGS = 68;           // __u32
        static final int CPU = 72;             // __u32
        static final int BATCH_SIZE = 76;      // __u32

        private TestRunOpts() {
        }
    }

    /** {@code struct bpf_map_batch_opts} (bpf.h). */
    static final class MapBatchOpts {
        static final int SIZE = 24;
        static final int SZ = 0;               // size_t
        static final int ELEM_FLAGS = 8;       // __u64
        static final int FLAGS = 16;           // __u64

        private MapBatchOpts() {
        }
    }

    /** {@code struct bpf_xdp_attach_opts} (libbpf.h): {@code size_t sz; int old_prog_fd; size_t :0;}. */
    static final class XdpAttachOpts {
        static final int SIZE = 16;
        static final int SZ = 0;
        static final int OLD_PROG_FD = 8;      // int

        private XdpAttachOpts() {
        }
    }

    /** {@code struct bpf_xdp_query_opts} (libbpf.h, 1.1: no feature_flags yet). */
    static final class XdpQueryOpts {
        static final int SIZE = 32;
        static final int SZ = 0;
        static final int PROG_ID = 8;          // __u32 out
        static final int DRV_PROG_ID = 12;     // __u32 out
        static final int HW_PROG_ID = 16;      // __u32 out
        static final int SKB_PROG_ID = 20;     // __u32 out
        static final int ATTACH_MODE = 24;     // __u8 out: XDP_ATTACHED_*

        private XdpQueryOpts() {
        }
    }

    /**
     * {@code struct bpf_map_info} (linux/bpf.h, UAPI). The kernel copies min(info_len, its size)
     * and zero-fills, so a prefix is enough; 88 is the full size in the 6.1 UAPI headers.
     */
    static final class MapInfo {
        static final int SIZE = 88;
        static final int TYPE = 0;             // __u32
        static final int ID = 4;               // __u32
        static final int KEY_SIZE = 8;         // __u32
        static final int VALUE_SIZE = 12;      // __u32
        static final int MAX_ENTRIES = 16;     // __u32
        static final int MAP_FLAGS = 20;       // __u32
        static final int NAME = 24;            // char[BPF_OBJ_NAME_LEN = 16]

        private MapInfo() {
        }
    }

    /** {@code struct bpf_prog_info} (linux/bpf.h, UAPI); only the leading fields are read. */
    static final class ProgInfo {
        static final int SIZE = 232;
        static final int TYPE = 0;             // __u32
        static final int ID = 4;               // __u32
        static final int TAG = 8;              // __u8[BPF_TAG_SIZE = 8]
        static final int NAME = 64;            // char[BPF_OBJ_NAME_LEN = 16]
        static final int NR_MAP_IDS = 52;      // __u32
        static final int MAP_IDS = 56;         // __aligned_u64 (user pointer to __u32[nr_map_ids])

        private ProgInfo() {
        }
    }

    /** {@code struct xdp_md} (linux/bpf.h), the XDP test-run context. */
    static final class XdpMd {
        static final int SIZE = 24;
        static final int DATA = 0;             // __u32
        static final int DATA_END = 4;         // __u32
        static final int DATA_META = 8;        // __u32
        static final int INGRESS_IFINDEX = 12; // __u32
        static final int RX_QUEUE_INDEX = 16;  // __u32
        static final int EGRESS_IFINDEX = 20;  // __u32

        private XdpMd() {
        }
    }

    static final int BPF_OBJ_NAME_LEN = 16;
    static final int BPF_TAG_SIZE = 8;
}
