package io.xdpguard.agent.dataplane.libbpf;

import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * A loaded BPF program, addressed by its file descriptor. Programs from a {@link BpfObjectFile}
 * borrow the object's descriptor ({@link #close()} does nothing, they die with the object);
 * programs from {@link #openPinned(Path)} / {@link #fromId(int)} own theirs.
 */
public final class BpfProgram implements AutoCloseable {

    /** {@code BPF_F_TEST_XDP_LIVE_FRAMES} (linux/bpf.h). */
    static final int BPF_F_TEST_XDP_LIVE_FRAMES = 1 << 1;
    /** {@code TEST_XDP_MAX_BATCH} (net/bpf/test_run.c): the kernel's limit for batch_size. */
    public static final int MAX_LIVE_BATCH = 256;
    private static final int ETH_HLEN = 14;

    private final int fd;
    private final boolean ownsFd;
    private final BpfObjectFile owner;
    private final String name;
    private final int id;
    private final int typeId;
    private final String tag;
    private volatile boolean closed;

    private BpfProgram(int fd, boolean ownsFd, BpfObjectFile owner, String name) {
        this.fd = fd;
        this.ownsFd = ownsFd;
        this.owner = owner;
        Pointer info = NativeStructs.alloc(NativeStructs.ProgInfo.SIZE);
        IntByReference len = new IntByReference(NativeStructs.ProgInfo.SIZE);
        int r = NativeLibs.bpf().bpf_obj_get_info_by_fd(fd, info, len);
        if (r < 0) {
            throw BpfException.of("bpf_obj_get_info_by_fd", name != null ? name : "prog fd " + fd, r);
        }
        this.typeId = info.getInt(NativeStructs.ProgInfo.TYPE);
        this.id = info.getInt(NativeStructs.ProgInfo.ID);
        byte[] tagBytes = new byte[NativeStructs.BPF_TAG_SIZE];
        info.get(NativeStructs.ProgInfo.TAG, tagBytes, 0, tagBytes.length);
        this.tag = HexFormat.of().formatHex(tagBytes);
        String kernelName = NativeStructs.cString(info, NativeStructs.ProgInfo.NAME, NativeStructs.BPF_OBJ_NAME_LEN);
        this.name = name != null ? name : kernelName;
    }

    static BpfProgram fromFd(int fd, boolean ownsFd, BpfObjectFile owner, String name) {
        try {
            return new BpfProgram(fd, ownsFd, owner, name);
        } catch (RuntimeException e) {
            if (ownsFd) {
                NativeLibs.libc().close(fd);
            }
            throw e;
        }
    }

    /** Opens a program pinned on bpffs; the result owns its descriptor. */
    public static BpfProgram openPinned(Path path) {
        return fromFd(NativeLibs.pinnedFd(path), true, null, null);
    }

    /** Opens a program by kernel id (e.g. the one attached to an interface); owns its descriptor. */
    public static BpfProgram fromId(int id) {
        int fd = NativeLibs.fdById("bpf_prog_get_fd_by_id", "prog id " + id, () -> NativeLibs.bpf().bpf_prog_get_fd_by_id(id));
        return fromFd(fd, true, null, null);
    }

    /** Ids of all programs in the kernel ({@code bpf_prog_get_next_id}), ascending. */
    public static List<Integer> listIds() {
        return NativeLibs.listIds("bpf_prog_get_next_id", (current, next) -> NativeLibs.bpf().bpf_prog_get_next_id(current, next));
    }

    public int fd() {
        ensureOpen();
        return fd;
    }

    /** The C function name for programs from an object; the kernel's (max 15 chars) otherwise. */
    public String name() {
        return name;
    }

    /** Kernel program id. */
    public int id() {
        return id;
    }

    /** {@code enum bpf_prog_type} (XDP = 6). */
    public int typeId() {
        return typeId;
    }

    /** The kernel's tag (hash of the instructions) as 16 lower-case hex digits. */
    public String tag() {
        return tag;
    }

    /**
     * Runs the program once per repetition on {@code packet} ({@code BPF_PROG_TEST_RUN}, no side
     * effects outside maps). {@code repeat} &lt;= 1 runs it once.
     */
    public TestRunResult testRun(byte[] packet, int repeat) {
        checkPacket(packet);
        int capacity = packet.length + 512;
        for (int attempt = 0; ; attempt++) {
            Pointer data = NativeStructs.alloc(packet.length);
            data.put(0, packet, 0, packet.length);
            Pointer out = NativeStructs.alloc(capacity);
            Pointer opts = NativeStructs.alloc(NativeStructs.TestRunOpts.SIZE);
            opts.putLong(NativeStructs.TestRunOpts.SZ, NativeStructs.TestRunOpts.SIZE);
            opts.putPointer(NativeStructs.TestRunOpts.DATA_IN, data);
            opts.putInt(NativeStructs.TestRunOpts.DATA_SIZE_IN, packet.length);
            opts.putPointer(NativeStructs.TestRunOpts.DATA_OUT, out);
            opts.putInt(NativeStructs.TestRunOpts.DATA_SIZE_OUT, capacity);
            opts.putInt(NativeStructs.TestRunOpts.REPEAT, Math.max(1, repeat));
            int r = NativeLibs.bpf().bpf_prog_test_run_opts(fd(), opts);
            // the kernel read data through a raw address in opts: keep it allocated until here
            Reference.reachabilityFence(data);
            int outLen = opts.getInt(NativeStructs.TestRunOpts.DATA_SIZE_OUT);
            if (r < 0 && -r == Errno.ENOSPC && attempt == 0 && outLen > capacity) {
                capacity = outLen; // the program grew the packet: retry with room for all of it
                continue;
            }
            if (r < 0) {
                throw BpfException.of("bpf_prog_test_run_opts", name, r);
            }
            byte[] dataOut = new byte[Math.min(outLen, capacity)];
            out.get(0, dataOut, 0, dataOut.length);
            return new TestRunResult(opts.getInt(NativeStructs.TestRunOpts.RETVAL),
                    Integer.toUnsignedLong(opts.getInt(NativeStructs.TestRunOpts.DURATION)), dataOut);
        }
    }

    /**
     * Runs the program in live-frame mode ({@code BPF_F_TEST_XDP_LIVE_FRAMES}, kernel 5.18+):
     * the packet is injected {@code repeat} times as if received on {@code ingressIfindex}
     * (0 = no device), and XDP_TX / XDP_REDIRECT really transmit. The kernel reports neither the
     * return value (0) nor the output packet. {@code batchSize} 0 means the kernel default (64).
     */
    public TestRunResult testRunLiveFrames(byte[] packet, int repeat, int ingressIfindex, int batchSize) {
        checkPacket(packet);
        if (batchSize < 0 || batchSize > MAX_LIVE_BATCH) {
            throw new IllegalArgumentException("batchSize must be 0.." + MAX_LIVE_BATCH);
        }
        Pointer data = NativeStructs.alloc(packet.length);
        data.put(0, packet, 0, packet.length);
        Pointer ctx = NativeStructs.alloc(NativeStructs.XdpMd.SIZE);
        ctx.putInt(NativeStructs.XdpMd.DATA, 0);
        ctx.putInt(NativeStructs.XdpMd.DATA_END, packet.length);
        ctx.putInt(NativeStructs.XdpMd.DATA_META, 0);
        ctx.putInt(NativeStructs.XdpMd.INGRESS_IFINDEX, ingressIfindex);
        ctx.putInt(NativeStructs.XdpMd.RX_QUEUE_INDEX, 0);
        Pointer opts = NativeStructs.alloc(NativeStructs.TestRunOpts.SIZE);
        opts.putLong(NativeStructs.TestRunOpts.SZ, NativeStructs.TestRunOpts.SIZE);
        opts.putPointer(NativeStructs.TestRunOpts.DATA_IN, data);
        opts.putInt(NativeStructs.TestRunOpts.DATA_SIZE_IN, packet.length);
        opts.putPointer(NativeStructs.TestRunOpts.CTX_IN, ctx);
        opts.putInt(NativeStructs.TestRunOpts.CTX_SIZE_IN, NativeStructs.XdpMd.SIZE);
        opts.putInt(NativeStructs.TestRunOpts.REPEAT, Math.max(1, repeat));
        opts.putInt(NativeStructs.TestRunOpts.FLAGS, BPF_F_TEST_XDP_LIVE_FRAMES);
        opts.putInt(NativeStructs.TestRunOpts.BATCH_SIZE, batchSize);
        int r = NativeLibs.bpf().bpf_prog_test_run_opts(fd(), opts);
        Reference.reachabilityFence(data); // referenced from opts by raw address only
        Reference.reachabilityFence(ctx);
        if (r < 0) {
            throw BpfException.of("bpf_prog_test_run_opts", name + " live frames", r);
        }
        return new TestRunResult(opts.getInt(NativeStructs.TestRunOpts.RETVAL),
                Integer.toUnsignedLong(opts.getInt(NativeStructs.TestRunOpts.DURATION)), new byte[0]);
    }

    /**
     * Binds {@code map} to this program ({@code BPF_PROG_BIND_MAP}, kernel 5.10+): the map lives as long as the
     * program and appears in {@link #mapIds()} although the program's code never reads it (metadata maps).
     */
    public void bindMap(BpfMap map) {
        int r = NativeLibs.bpf().bpf_prog_bind_map(fd(), map.fd(), null);
        if (r < 0) {
            throw BpfException.of("bpf_prog_bind_map", name + " <- " + map.name(), r);
        }
    }

    /** Ids of the maps the program uses ({@code bpf_prog_info.map_ids}). */
    public List<Integer> mapIds() {
        for (int attempt = 0; attempt < 3; attempt++) {
            Pointer info = NativeStructs.alloc(NativeStructs.ProgInfo.SIZE);
            IntByReference len = new IntByReference(NativeStructs.ProgInfo.SIZE);
            int r = NativeLibs.bpf().bpf_obj_get_info_by_fd(fd(), info, len);
            if (r < 0) {
                throw BpfException.of("bpf_obj_get_info_by_fd", name, r);
            }
            int count = info.getInt(NativeStructs.ProgInfo.NR_MAP_IDS);
            if (count == 0) {
                return List.of();
            }
            Pointer ids = NativeStructs.alloc(4L * count);
            Pointer query = NativeStructs.alloc(NativeStructs.ProgInfo.SIZE);
            query.putInt(NativeStructs.ProgInfo.NR_MAP_IDS, count);
            query.putLong(NativeStructs.ProgInfo.MAP_IDS, ids.address());
            len = new IntByReference(NativeStructs.ProgInfo.SIZE);
            r = NativeLibs.bpf().bpf_obj_get_info_by_fd(fd(), query, len);
            Reference.reachabilityFence(ids);
            if (r < 0) {
                throw BpfException.of("bpf_obj_get_info_by_fd", name + " map ids", r);
            }
            int filled = query.getInt(NativeStructs.ProgInfo.NR_MAP_IDS);
            if (filled <= count) {
                List<Integer> out = new ArrayList<>(filled);
                for (int i = 0; i < filled; i++) {
                    out.add(ids.getInt(4L * i));
                }
                return out;
            }
        }
        throw new BpfException("bpf_obj_get_info_by_fd", name + " map ids", Errno.EAGAIN, "map count kept changing");
    }

    /** Pins the program at {@code path} on bpffs. */
    public void pin(Path path) {
        int r = NativeLibs.bpf().bpf_obj_pin(fd(), path.toString());
        if (r < 0) {
            throw BpfException.of("bpf_obj_pin", name + " at " + path, r);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownsFd) {
            NativeLibs.libc().close(fd);
        }
    }

    @Override
    public String toString() {
        return "BpfProgram[" + name + " id=" + id + " tag=" + tag + "]";
    }

    private void checkPacket(byte[] packet) {
        if (packet == null || packet.length < ETH_HLEN) {
            throw new IllegalArgumentException("an XDP test packet needs at least " + ETH_HLEN + " bytes");
        }
    }

    private void ensureOpen() {
        if (closed || (owner != null && owner.isClosed())) {
            throw new IllegalStateException("program " + name + " is closed");
        }
    }
}
