package io.xdpguard.agent.dataplane.libbpf;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;

import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * A loaded BPF map, addressed by its file descriptor. Keys and values are raw bytes in the
 * kernel's layout (host byte order for integers, as the BPF program sees them).
 *
 * <p>Maps obtained from a {@link BpfObjectFile} borrow the object's descriptor: they become
 * unusable when the object is closed, and {@link #close()} on them does nothing. Maps from
 * {@link #openPinned(Path)} or {@link #fromId(int)} own their descriptor and must be closed.
 *
 * <p>Instances are safe for concurrent use (the kernel serialises per-element updates).
 */
public final class BpfMap implements AutoCloseable {

    /** {@code BPF_ANY}, {@code BPF_NOEXIST}, {@code BPF_EXIST}. */
    public enum UpdateFlag {
        /** Create or replace. */
        ANY(0),
        /** Create only: EEXIST if the key is present. */
        NOEXIST(1),
        /** Replace only: ENOENT if the key is absent. */
        EXIST(2);

        final long bits;

        UpdateFlag(long bits) {
            this.bits = bits;
        }
    }

    /** Entries per {@code bpf_map_update_batch} call (one native key and value buffer each). */
    public static final int BATCH_CHUNK = 65_536;

    private final int fd;
    private final boolean ownsFd;
    private final BpfObjectFile owner;
    private final String name;
    private final BpfMapType type;
    private final int typeId;
    private final int id;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final int mapFlags;
    private volatile boolean closed;
    /** null = not tried yet; TRUE once a batch call worked; FALSE after falling back. */
    private volatile Boolean batchSupported;

    private BpfMap(int fd, boolean ownsFd, BpfObjectFile owner, String name, Pointer info) {
        this.fd = fd;
        this.ownsFd = ownsFd;
        this.owner = owner;
        this.typeId = info.getInt(NativeStructs.MapInfo.TYPE);
        this.type = BpfMapType.of(typeId);
        this.id = info.getInt(NativeStructs.MapInfo.ID);
        this.keySize = info.getInt(NativeStructs.MapInfo.KEY_SIZE);
        this.valueSize = info.getInt(NativeStructs.MapInfo.VALUE_SIZE);
        this.maxEntries = info.getInt(NativeStructs.MapInfo.MAX_ENTRIES);
        this.mapFlags = info.getInt(NativeStructs.MapInfo.MAP_FLAGS);
        String kernelName = NativeStructs.cString(info, NativeStructs.MapInfo.NAME, NativeStructs.BPF_OBJ_NAME_LEN);
        this.name = name != null ? name : kernelName;
    }

    /** Wraps {@code fd}; on failure closes it when {@code ownsFd}. */
    static BpfMap fromFd(int fd, boolean ownsFd, BpfObjectFile owner, String name) {
        try {
            Pointer info = infoByFd(fd, name);
            return new BpfMap(fd, ownsFd, owner, name, info);
        } catch (RuntimeException e) {
            if (ownsFd) {
                NativeLibs.libc().close(fd);
            }
            throw e;
        }
    }

    private static Pointer infoByFd(int fd, String target) {
        Pointer info = NativeStructs.alloc(NativeStructs.MapInfo.SIZE);
        IntByReference len = new IntByReference(NativeStructs.MapInfo.SIZE);
        int r = NativeLibs.bpf().bpf_obj_get_info_by_fd(fd, info, len);
        if (r < 0) {
            throw BpfException.of("bpf_obj_get_info_by_fd", target != null ? target : "map fd " + fd, r);
        }
        return info;
    }

    /** Opens a map pinned on bpffs ({@code bpf_obj_get}); the result owns its descriptor. */
    public static BpfMap openPinned(Path path) {
        return fromFd(NativeLibs.pinnedFd(path), true, null, null);
    }

    /** Opens a map by kernel id ({@code bpf_map_get_fd_by_id}); the result owns its descriptor. */
    public static BpfMap fromId(int id) {
        int fd = NativeLibs.fdById("bpf_map_get_fd_by_id", "map id " + id, () -> NativeLibs.bpf().bpf_map_get_fd_by_id(id));
        return fromFd(fd, true, null, null);
    }

    /** Ids of all maps in the kernel ({@code bpf_map_get_next_id}), ascending. */
    public static List<Integer> listIds() {
        return NativeLibs.listIds("bpf_map_get_next_id", (current, next) -> NativeLibs.bpf().bpf_map_get_next_id(current, next));
    }

    // ---- metadata -----------------------------------------------------------------------

    public int fd() {
        ensureOpen();
        return fd;
    }

    /** The libbpf name for maps from an object (e.g. {@code xg_rules}); the kernel's (max 15 chars) otherwise. */
    public String name() {
        return name;
    }

    public BpfMapType type() {
        return type;
    }

    /** The numeric {@code enum bpf_map_type}, useful when {@link #type()} is UNKNOWN. */
    public int typeId() {
        return typeId;
    }

    /** Kernel map id (stable while the map exists, unlike the fd). */
    public int id() {
        return id;
    }

    public int keySize() {
        return keySize;
    }

    public int valueSize() {
        return valueSize;
    }

    public int maxEntries() {
        return maxEntries;
    }

    /** {@code map_flags} the map was created with (e.g. BPF_F_NO_PREALLOC = 1). */
    public int mapFlags() {
        return mapFlags;
    }

    /** Number of per-CPU values a per-CPU lookup returns: the possible CPUs of this machine. */
    public static int possibleCpus() {
        return PossibleCpus.COUNT;
    }

    // ---- element operations ---------------------------------------------------------------

    /** The value for {@code key}, or empty when absent. Not for per-CPU maps (see {@link #lookupPerCpu}). */
    public Optional<byte[]> lookup(byte[] key) {
        requireNotPerCpu("bpf_map_lookup_elem");
        checkKey("bpf_map_lookup_elem", key);
        byte[] value = new byte[valueSize];
        int r = NativeLibs.bpf().bpf_map_lookup_elem(fd(), key, value);
        if (r < 0) {
            if (-r == Errno.ENOENT) {
                return Optional.empty();
            }
            throw BpfException.of("bpf_map_lookup_elem", name, r);
        }
        return Optional.of(value);
    }

    /**
     * One value per possible CPU ({@code result[cpu]}, each {@link #valueSize()} bytes), or empty
     * when the key is absent. Only for per-CPU maps.
     */
    public Optional<byte[][]> lookupPerCpu(byte[] key) {
        requirePerCpu("bpf_map_lookup_elem");
        checkKey("bpf_map_lookup_elem", key);
        int slot = perCpuSlot();
        int cpus = PossibleCpus.COUNT;
        byte[] all = new byte[slot * cpus];
        int r = NativeLibs.bpf().bpf_map_lookup_elem(fd(), key, all);
        if (r < 0) {
            if (-r == Errno.ENOENT) {
                return Optional.empty();
            }
            throw BpfException.of("bpf_map_lookup_elem", name, r);
        }
        byte[][] out = new byte[cpus][];
        for (int cpu = 0; cpu < cpus; cpu++) {
            out[cpu] = Arrays.copyOfRange(all, cpu * slot, cpu * slot + valueSize);
        }
        return Optional.of(out);
    }

    /** Creates or replaces ({@link UpdateFlag#ANY}). */
    public void update(byte[] key, byte[] value) {
        update(key, value, UpdateFlag.ANY);
    }

    /**
     * Writes one element. Throws {@link BpfException} with EEXIST ({@code NOEXIST} and
     * present), ENOENT ({@code EXIST} and absent), E2BIG (map full), EINVAL (wrong sizes).
     */
    public void update(byte[] key, byte[] value, UpdateFlag flag) {
        requireNotPerCpu("bpf_map_update_elem");
        checkKey("bpf_map_update_elem", key);
        checkLength("bpf_map_update_elem", "value", value, valueSize);
        int r = NativeLibs.bpf().bpf_map_update_elem(fd(), key, value, flag.bits);
        if (r < 0) {
            throw BpfException.of("bpf_map_update_elem", name, r);
        }
    }

    /** Writes one element of a per-CPU map: {@code values[cpu]} for every possible CPU. */
    public void updatePerCpu(byte[] key, byte[][] values, UpdateFlag flag) {
        requirePerCpu("bpf_map_update_elem");
        checkKey("bpf_map_update_elem", key);
        int cpus = PossibleCpus.COUNT;
        if (values.length != cpus) {
            throw new BpfException("bpf_map_update_elem", name, Errno.EINVAL,
                    values.length + " per-CPU values given, " + cpus + " possible CPUs");
        }
        int slot = perCpuSlot();
        byte[] all = new byte[slot * cpus];
        for (int cpu = 0; cpu < cpus; cpu++) {
            checkLength("bpf_map_update_elem", "value[" + cpu + "]", values[cpu], valueSize);
            System.arraycopy(values[cpu], 0, all, cpu * slot, valueSize);
        }
        int r = NativeLibs.bpf().bpf_map_update_elem(fd(), key, all, flag.bits);
        if (r < 0) {
            throw BpfException.of("bpf_map_update_elem", name, r);
        }
    }

    /**
     * Deletes {@code key}; false when it was absent. Array maps cannot delete (EINVAL is thrown).
     */
    public boolean delete(byte[] key) {
        checkKey("bpf_map_delete_elem", key);
        int r = NativeLibs.bpf().bpf_map_delete_elem(fd(), key);
        if (r < 0) {
            if (-r == Errno.ENOENT) {
                return false;
            }
            throw BpfException.of("bpf_map_delete_elem", name, r);
        }
        return true;
    }

    /**
     * Iterates the keys with {@code bpf_map_get_next_key}. Lazy and not a snapshot: for hash
     * maps, deleting the current key while iterating makes the kernel restart from the first.
     * Array maps yield every index {@code 0..max_entries-1} (4-byte keys).
     */
    public Iterable<byte[]> keys() {
        return KeyIterator::new;
    }

    /** The keys, collected; for small maps and tests. */
    public List<byte[]> keyList() {
        List<byte[]> out = new ArrayList<>();
        keys().forEach(out::add);
        return out;
    }

    private final class KeyIterator implements Iterator<byte[]> {
        private byte[] prev;       // null: start from the first key
        private byte[] next;       // fetched but not returned
        private boolean done;

        @Override
        public boolean hasNext() {
            if (next != null) {
                return true;
            }
            if (done) {
                return false;
            }
            byte[] candidate = new byte[keySize];
            int r = NativeLibs.bpf().bpf_map_get_next_key(fd(), prev, candidate);
            if (r < 0) {
                if (-r == Errno.ENOENT) {
                    done = true;
                    return false;
                }
                throw BpfException.of("bpf_map_get_next_key", name, r);
            }
            next = candidate;
            return true;
        }

        @Override
        public byte[] next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            prev = next;
            next = null;
            return prev.clone();
        }
    }

    /**
     * Writes {@code count} elements: key {@code i} is {@code keys[i*keySize ..]}, value {@code i}
     * is {@code values[i*valueSize ..]}. Each chunk of {@link #BATCH_CHUNK} entries is copied into
     * one native key buffer and one native value buffer and, with {@link UpdateFlag#ANY}, written
     * with a single {@code bpf_map_update_batch}. The kernel's batch update knows no
     * NOEXIST/EXIST (its {@code elem_flags} only take BPF_F_LOCK), so those flags, and map types
     * whose kernel lacks batch updates (ENOTSUPP, EOPNOTSUPP, or EINVAL before any element was
     * written on the first try; remembered per map), are written element by element from the
     * same native buffers. Not for per-CPU maps.
     *
     * @return the number of elements written ({@code count})
     * @throws BpfException naming the failing element index on the first error; the elements
     *                      before it have been written
     */
    public int updateBatch(byte[] keys, byte[] values, int count, UpdateFlag flag) {
        requireNotPerCpu("bpf_map_update_batch");
        Objects.requireNonNull(flag, "flag");
        if (count < 0) {
            throw new IllegalArgumentException("count < 0");
        }
        if ((long) keys.length < (long) count * keySize || (long) values.length < (long) count * valueSize) {
            throw new BpfException("bpf_map_update_batch", name, Errno.EINVAL, count + " elements need "
                    + (long) count * keySize + " key bytes and " + (long) count * valueSize
                    + " value bytes, got " + keys.length + " and " + values.length);
        }
        if (count == 0) {
            return 0;
        }
        int chunk = Math.min(count, BATCH_CHUNK);
        // Freed on return, not by a collection: a load writes tens of MB through these buffers, and a GC-freed
        // buffer whose small Java object was promoted stays allocated until a full collection.
        try (NativeBuffer keyBuf = NativeBuffer.allocate((long) chunk * keySize);
                NativeBuffer valueBuf = NativeBuffer.allocate((long) chunk * valueSize)) {
            return updateBatch(keys, values, count, flag, chunk, keyBuf.pointer(), valueBuf.pointer());
        }
    }

    private int updateBatch(byte[] keys, byte[] values, int count, UpdateFlag flag, int chunk, Pointer keyBuf,
            Pointer valueBuf) {
        Pointer opts = NativeStructs.alloc(NativeStructs.MapBatchOpts.SIZE);
        opts.putLong(NativeStructs.MapBatchOpts.SZ, NativeStructs.MapBatchOpts.SIZE);
        opts.putLong(NativeStructs.MapBatchOpts.ELEM_FLAGS, flag.bits);
        opts.putLong(NativeStructs.MapBatchOpts.FLAGS, 0L);
        Pointer countRef = NativeStructs.alloc(4); // __u32, in/out
        LibBpfNative.Api bpf = NativeLibs.bpf();
        int mapFd = fd();

        for (int start = 0; start < count; start += chunk) {
            int n = Math.min(chunk, count - start);
            keyBuf.put(0, keys, start * keySize, n * keySize);
            valueBuf.put(0, values, start * valueSize, n * valueSize);
            int written = 0;
            if (flag == UpdateFlag.ANY && !Boolean.FALSE.equals(batchSupported)) {
                countRef.putInt(0, n);
                int r = bpf.bpf_map_update_batch(mapFd, keyBuf, valueBuf, countRef, opts);
                if (r == 0) {
                    batchSupported = Boolean.TRUE;
                    continue;
                }
                int errno = -r;
                // the kernel writes back how many it processed, except when it fails before the
                // first element, where the input count stays: an error leaves fewer than n done
                int reported = countRef.getInt(0);
                written = reported >= 0 && reported < n ? reported : 0;
                boolean unsupported = errno == Errno.ENOTSUPP || errno == Errno.EOPNOTSUPP
                        || (errno == Errno.EINVAL && written == 0 && batchSupported == null);
                if (!unsupported) {
                    throw new BpfException("bpf_map_update_batch", name, errno,
                            "at element " + (start + written) + " of " + count);
                }
                batchSupported = Boolean.FALSE;
            }
            for (int i = written; i < n; i++) {
                int r = bpf.bpf_map_update_elem(mapFd, keyBuf.slice((long) i * keySize, keySize),
                        valueBuf.slice((long) i * valueSize, valueSize), flag.bits);
                if (r < 0) {
                    throw new BpfException("bpf_map_update_elem", name, -r,
                            "at element " + (start + i) + " of " + count + " (per-element batch fallback)");
                }
            }
        }
        Reference.reachabilityFence(opts);
        return count;
    }

    /** Whether {@code bpf_map_update_batch} worked (TRUE), fell back (FALSE) or was not tried (null). */
    Boolean batchSupported() {
        return batchSupported;
    }

    /** Pins the map at {@code path} on bpffs ({@code bpf_obj_pin}); EEXIST if the path exists. */
    public void pin(Path path) {
        int r = NativeLibs.bpf().bpf_obj_pin(fd(), path.toString());
        if (r < 0) {
            throw BpfException.of("bpf_obj_pin", name + " at " + path, r);
        }
    }

    /** Closes the descriptor when this map owns it; no-op for maps borrowed from an object. */
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
        return "BpfMap[" + name + " id=" + id + " " + type + " key=" + keySize + " value=" + valueSize
                + " max=" + maxEntries + "]";
    }

    // ---- helpers --------------------------------------------------------------------------

    private void ensureOpen() {
        if (closed || (owner != null && owner.isClosed())) {
            throw new IllegalStateException("map " + name + " is closed");
        }
    }

    private int perCpuSlot() {
        return (valueSize + 7) & ~7;
    }

    private void checkKey(String op, byte[] key) {
        checkLength(op, "key", key, keySize);
    }

    private void checkLength(String op, String what, byte[] bytes, int expected) {
        Objects.requireNonNull(bytes, what);
        if (bytes.length != expected) {
            throw new BpfException(op, name, Errno.EINVAL,
                    what + " is " + bytes.length + " bytes, map " + what.replaceAll("\\[.*", "")
                            + "_size is " + expected);
        }
    }

    private void requirePerCpu(String op) {
        if (!type.isPerCpu()) {
            throw new BpfException(op, name, Errno.EINVAL, "map type " + type + " is not per-CPU");
        }
    }

    private void requireNotPerCpu(String op) {
        if (type.isPerCpu()) {
            throw new BpfException(op, name, Errno.EINVAL,
                    "map type " + type + " is per-CPU: use lookupPerCpu/updatePerCpu");
        }
    }

    /** Number of possible CPUs, from /sys/devices/system/cpu/possible (e.g. "0-3" or "0,2-5"). */
    static final class PossibleCpus {
        static final int COUNT = read();

        private PossibleCpus() {
        }

        static int parse(String ranges) {
            int count = 0;
            for (String part : ranges.trim().split(",")) {
                if (part.isEmpty()) {
                    continue;
                }
                int dash = part.indexOf('-');
                if (dash < 0) {
                    count++;
                } else {
                    count += Integer.parseInt(part.substring(dash + 1).trim())
                            - Integer.parseInt(part.substring(0, dash).trim()) + 1;
                }
            }
            return count;
        }

        private static int read() {
            try {
                return parse(Files.readString(Path.of("/sys/devices/system/cpu/possible")));
            } catch (IOException | RuntimeException e) {
                return java.lang.Runtime.getRuntime().availableProcessors();
            }
        }
    }
}
