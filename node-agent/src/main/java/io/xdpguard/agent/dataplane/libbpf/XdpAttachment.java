package io.xdpguard.agent.dataplane.libbpf;

import java.lang.ref.Reference;
import java.util.OptionalInt;

import jnr.ffi.Pointer;

/**
 * Attaches XDP programs to interfaces through netlink ({@code bpf_xdp_attach} /
 * {@code bpf_xdp_detach} / {@code bpf_xdp_query}), without bpf_link: the attachment outlives
 * this process until detached. Acts on the network namespace of the calling thread.
 *
 * <p>Errors worth reacting to: EBUSY ({@link #attachIfNone} and something is attached, or a
 * program is attached in the other mode), EEXIST (the expected program of a replace/detach is
 * not the attached one), EOPNOTSUPP (no native XDP in the driver), ENODEV (no such interface).
 */
public final class XdpAttachment {

    /** {@code XDP_FLAGS_UPDATE_IF_NOEXIST}. */
    static final int XDP_FLAGS_UPDATE_IF_NOEXIST = 1;
    /** {@code XDP_FLAGS_SKB_MODE}. */
    static final int XDP_FLAGS_SKB_MODE = 1 << 1;
    /** {@code XDP_FLAGS_DRV_MODE}. */
    static final int XDP_FLAGS_DRV_MODE = 1 << 2;
    /** {@code XDP_FLAGS_HW_MODE}. */
    static final int XDP_FLAGS_HW_MODE = 1 << 3;
    /** {@code XDP_FLAGS_REPLACE}; libbpf sets it itself when {@code old_prog_fd} is given. */
    static final int XDP_FLAGS_REPLACE = 1 << 4;

    /** How to attach. */
    public enum Mode {
        /** Driver (native) XDP: {@code XDP_FLAGS_DRV_MODE}. EOPNOTSUPP when the driver lacks it. */
        NATIVE(XDP_FLAGS_DRV_MODE),
        /** Generic (skb) XDP: {@code XDP_FLAGS_SKB_MODE}; works everywhere, slower. */
        GENERIC(XDP_FLAGS_SKB_MODE);

        final int flags;

        Mode(int flags) {
            this.flags = flags;
        }
    }

    /** {@code XDP_ATTACHED_*} (linux/if_link.h), as reported by a query. */
    public enum AttachedMode {
        NONE, DRV, SKB, HW, MULTI;

        static AttachedMode of(int v) {
            return v >= 0 && v < values().length ? values()[v] : MULTI;
        }
    }

    /**
     * What is attached to an interface. {@code progId} is the single attached program's id (0
     * when none, or with MULTI); the per-mode ids are always filled.
     */
    public record Status(int ifindex, AttachedMode mode, int progId, int drvProgId, int skbProgId, int hwProgId) {

        public boolean isAttached() {
            return mode != AttachedMode.NONE;
        }

        /** The id attached in {@code mode}, 0 if none. */
        public int progId(Mode mode) {
            return mode == Mode.NATIVE ? drvProgId : skbProgId;
        }
    }

    private XdpAttachment() {
    }

    /** Attaches, replacing whatever program is attached in that mode. */
    public static void attach(int ifindex, int progFd, Mode mode) {
        doAttach(ifindex, progFd, mode.flags, OptionalInt.empty(), "bpf_xdp_attach");
    }

    public static void attach(int ifindex, BpfProgram program, Mode mode) {
        attach(ifindex, program.fd(), mode);
    }

    /**
     * Attaches; when {@code expectedOldProgFd} is present the kernel swaps atomically only if
     * that program is the one attached ({@code XDP_FLAGS_REPLACE}), else fails with EEXIST.
     */
    public static void attach(int ifindex, int progFd, Mode mode, OptionalInt expectedOldProgFd) {
        doAttach(ifindex, progFd, mode.flags, expectedOldProgFd, "bpf_xdp_attach");
    }

    /** Atomic replace of {@code expectedOld} by {@code program}; EEXIST if another one is attached. */
    public static void replace(int ifindex, BpfProgram program, Mode mode, BpfProgram expectedOld) {
        attach(ifindex, program.fd(), mode, OptionalInt.of(expectedOld.fd()));
    }

    /** Attaches only if nothing is attached ({@code XDP_FLAGS_UPDATE_IF_NOEXIST}); else EBUSY. */
    public static void attachIfNone(int ifindex, int progFd, Mode mode) {
        doAttach(ifindex, progFd, mode.flags | XDP_FLAGS_UPDATE_IF_NOEXIST, OptionalInt.empty(), "bpf_xdp_attach");
    }

    /** Detaches whatever program is attached in {@code mode} (no error if none). */
    public static void detach(int ifindex, Mode mode) {
        detach(ifindex, mode, OptionalInt.empty());
    }

    /** Detaches only if {@code expectedProgFd} is the attached program (else EEXIST). */
    public static void detach(int ifindex, Mode mode, OptionalInt expectedProgFd) {
        Pointer opts = attachOpts(expectedProgFd);
        NativeLibs.clearWarnings();
        int r = NativeLibs.bpf().bpf_xdp_detach(ifindex, mode.flags, opts);
        Reference.reachabilityFence(opts);
        if (r < 0) {
            throw new BpfException("bpf_xdp_detach", ifname(ifindex), -r, kernelMessage());
        }
    }

    /** What is attached to {@code ifindex}; {@link AttachedMode#NONE} when nothing. */
    public static Status query(int ifindex) {
        Pointer opts = NativeStructs.alloc(NativeStructs.XdpQueryOpts.SIZE);
        opts.putLong(NativeStructs.XdpQueryOpts.SZ, NativeStructs.XdpQueryOpts.SIZE);
        int r = NativeLibs.bpf().bpf_xdp_query(ifindex, 0, opts);
        if (r < 0) {
            throw BpfException.of("bpf_xdp_query", ifname(ifindex), r);
        }
        return new Status(ifindex,
                AttachedMode.of(opts.getByte(NativeStructs.XdpQueryOpts.ATTACH_MODE) & 0xff),
                opts.getInt(NativeStructs.XdpQueryOpts.PROG_ID),
                opts.getInt(NativeStructs.XdpQueryOpts.DRV_PROG_ID),
                opts.getInt(NativeStructs.XdpQueryOpts.SKB_PROG_ID),
                opts.getInt(NativeStructs.XdpQueryOpts.HW_PROG_ID));
    }

    private static void doAttach(int ifindex, int progFd, int flags, OptionalInt expectedOld, String op) {
        if (progFd < 0) {
            throw new IllegalArgumentException("progFd < 0: use detach()");
        }
        Pointer opts = attachOpts(expectedOld);
        NativeLibs.clearWarnings();
        int r = NativeLibs.bpf().bpf_xdp_attach(ifindex, progFd, flags, opts);
        Reference.reachabilityFence(opts);
        if (r < 0) {
            throw new BpfException(op, ifname(ifindex), -r, kernelMessage());
        }
    }

    /** The netlink extack text libbpf logged ("Kernel error message: ..."), if any. */
    private static String kernelMessage() {
        String w = NativeLibs.drainWarnings();
        if (w == null) {
            return null;
        }
        return w.replace("Kernel error message: ", "");
    }

    private static Pointer attachOpts(OptionalInt expectedOld) {
        if (expectedOld.isEmpty()) {
            return null;
        }
        int oldFd = expectedOld.getAsInt();
        if (oldFd <= 0) {
            // libbpf treats old_prog_fd == 0 as "not set"
            throw new IllegalArgumentException("expected program fd must be > 0, got " + oldFd);
        }
        Pointer opts = NativeStructs.alloc(NativeStructs.XdpAttachOpts.SIZE);
        opts.putLong(NativeStructs.XdpAttachOpts.SZ, NativeStructs.XdpAttachOpts.SIZE);
        opts.putInt(NativeStructs.XdpAttachOpts.OLD_PROG_FD, oldFd);
        return opts;
    }

    private static String ifname(int ifindex) {
        return NetInterfaces.nameOf(ifindex).map(n -> n + " (ifindex " + ifindex + ")").orElse("ifindex " + ifindex);
    }
}
