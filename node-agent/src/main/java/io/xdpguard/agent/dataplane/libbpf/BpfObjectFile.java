package io.xdpguard.agent.dataplane.libbpf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import jnr.ffi.Pointer;

/**
 * A compiled BPF ELF object ({@code struct bpf_object}): open, adjust maps (sizes, pin paths),
 * load into the kernel, then get programs and maps. Closing it unloads what nobody else holds
 * (pinned maps and attached programs stay).
 *
 * <pre>{@code
 * try (BpfObjectFile obj = BpfObjectFile.openResource("/io/xdpguard/bpf/xdpguard.bpf.o")) {
 *     obj.setMaxEntries("xg_rules", 1 << 20);
 *     obj.setPinPath("xg_rules", Path.of("/sys/fs/bpf/xdpguard/xg_rules"));
 *     obj.load();
 *     BpfProgram prog = obj.program("xdpguard");
 *     BpfMap rules = obj.map("xg_rules");
 * }
 * }</pre>
 *
 * <p>With a pin path set, {@link #load()} reuses a compatible map already pinned there (same
 * type, sizes and flags) instead of creating one, and pins newly created maps; an incompatible
 * pinned map makes {@code load()} fail (EINVAL), so callers remove stale pins when the layout
 * changed. Not thread-safe while opening and loading; the programs and maps it hands out are.
 */
public final class BpfObjectFile implements AutoCloseable {

    private final String source;
    private Pointer obj;
    private boolean loaded;
    private volatile boolean closed;
    private final Map<String, BpfMap> maps = new LinkedHashMap<>();
    private final Map<String, BpfProgram> programs = new LinkedHashMap<>();

    private BpfObjectFile(String source, Pointer obj) {
        this.source = source;
        this.obj = obj;
    }

    /** Parses the object file (no kernel interaction yet). */
    public static BpfObjectFile open(Path path) {
        Objects.requireNonNull(path, "path");
        LibBpfNative.Api bpf = NativeLibs.bpf();
        NativeLibs.clearWarnings();
        Pointer obj = bpf.bpf_object__open_file(path.toString(), null);
        if (obj == null || obj.address() == 0) {
            int errno = NativeLibs.lastErrno();
            throw new BpfException("bpf_object__open_file", path.toString(), errno == 0 ? Errno.EINVAL : errno,
                    NativeLibs.drainWarnings());
        }
        return new BpfObjectFile(path.toString(), obj);
    }

    /**
     * Opens an object shipped as a classpath resource (e.g. {@code /io/xdpguard/bpf/xdpguard.bpf.o}):
     * it is copied to a temporary file under its own name (libbpf derives internal map names from
     * it), opened, and the copy deleted.
     */
    public static BpfObjectFile openResource(String resource) {
        String fileName = resource.substring(resource.lastIndexOf('/') + 1);
        Path dir = null;
        try (InputStream in = BpfObjectFile.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new BpfException("bpf_object__open_file", resource, Errno.ENOENT, "resource not on the classpath");
            }
            dir = Files.createTempDirectory("xdpguard-bpf");
            Path file = dir.resolve(fileName);
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return open(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + resource + " to a temporary file", e);
        } finally {
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir.resolve(fileName));
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    /** Names of the maps in the object, including libbpf's internal ones (e.g. {@code .rodata}). */
    public synchronized List<String> mapNames() {
        Pointer o = handle();
        LibBpfNative.Api bpf = NativeLibs.bpf();
        List<String> names = new ArrayList<>();
        for (Pointer m = bpf.bpf_object__next_map(o, null); m != null && m.address() != 0;
                m = bpf.bpf_object__next_map(o, m)) {
            names.add(bpf.bpf_map__name(m));
        }
        return names;
    }

    /** The declared type and sizes of a map ({@code bpf_map__type/key_size/value_size/max_entries}). */
    public synchronized BpfMapSpec mapSpec(String mapName) {
        Pointer m = findMap(mapName);
        LibBpfNative.Api bpf = NativeLibs.bpf();
        int typeId = bpf.bpf_map__type(m);
        return new BpfMapSpec(mapName, BpfMapType.of(typeId), typeId, bpf.bpf_map__key_size(m),
                bpf.bpf_map__value_size(m), bpf.bpf_map__max_entries(m), bpf.bpf_map__map_flags(m));
    }

    /** Changes a map's size before {@link #load()}. */
    public synchronized void setMaxEntries(String mapName, int maxEntries) {
        requireNotLoaded("bpf_map__set_max_entries");
        Pointer m = findMap(mapName);
        int r = NativeLibs.bpf().bpf_map__set_max_entries(m, maxEntries);
        if (r < 0) {
            throw BpfException.of("bpf_map__set_max_entries", mapName, r);
        }
    }

    /**
     * Sets the contents of an internal data map before {@link #load()}: e.g. a {@code .rodata.<name>} section whose
     * {@code const volatile} variables the program reads as load-time constants. {@code data} must be exactly the
     * section's size.
     */
    public synchronized void setInitialValue(String mapName, byte[] data) {
        requireNotLoaded("bpf_map__set_initial_value");
        Pointer m = findMap(mapName);
        int r = NativeLibs.bpf().bpf_map__set_initial_value(m, data, data.length);
        if (r < 0) {
            throw BpfException.of("bpf_map__set_initial_value", mapName, r);
        }
    }

    /** Sets where {@link #load()} pins (or finds and reuses) this map; must be on bpffs. */
    public synchronized void setPinPath(String mapName, Path path) {
        requireNotLoaded("bpf_map__set_pin_path");
        Pointer m = findMap(mapName);
        int r = NativeLibs.bpf().bpf_map__set_pin_path(m, path == null ? null : path.toString());
        if (r < 0) {
            throw BpfException.of("bpf_map__set_pin_path", mapName, r);
        }
    }

    /**
     * Creates (or reuses pinned) maps and loads all programs. A failure (e.g. a verifier
     * rejection) is a BpfException whose message ends with libbpf's last warnings; the whole
     * verifier log goes to the libbpf logger (see {@link Libbpf#setNativeLogging}).
     */
    public synchronized void load() {
        requireNotLoaded("bpf_object__load");
        NativeLibs.clearWarnings();
        int r = NativeLibs.bpf().bpf_object__load(handle());
        if (r < 0) {
            String warnings = NativeLibs.drainWarnings();
            throw new BpfException("bpf_object__load", source, -r, "libbpf: "
                    + (warnings == null ? "no message" : warnings)
                    + " (full log: logger " + NativeLibs.LIBBPF_LOG.getName() + ")");
        }
        loaded = true;
    }

    public synchronized boolean isLoaded() {
        return loaded;
    }

    /** The loaded program with this C function name. */
    public synchronized BpfProgram program(String name) {
        requireLoaded("bpf_object__find_program_by_name");
        BpfProgram p = programs.get(name);
        if (p != null) {
            return p;
        }
        LibBpfNative.Api bpf = NativeLibs.bpf();
        Pointer prog = bpf.bpf_object__find_program_by_name(handle(), name);
        if (prog == null || prog.address() == 0) {
            throw new BpfException("bpf_object__find_program_by_name", name, Errno.ENOENT, "not in " + source);
        }
        int fd = bpf.bpf_program__fd(prog);
        if (fd < 0) {
            throw BpfException.of("bpf_program__fd", name, fd);
        }
        p = BpfProgram.fromFd(fd, false, this, name);
        programs.put(name, p);
        return p;
    }

    /** The loaded map with this name. */
    public synchronized BpfMap map(String name) {
        requireLoaded("bpf_object__find_map_by_name");
        BpfMap m = maps.get(name);
        if (m != null) {
            return m;
        }
        m = wrapMap(findMap(name), name);
        maps.put(name, m);
        return m;
    }

    /** All loaded maps, in object order. */
    public synchronized List<BpfMap> maps() {
        requireLoaded("bpf_object__next_map");
        List<BpfMap> out = new ArrayList<>();
        for (String name : mapNames()) {
            out.add(map(name));
        }
        return out;
    }

    boolean isClosed() {
        return closed;
    }

    /** Frees the object: its descriptors close, so unpinned maps and unattached programs vanish. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (obj != null) {
            NativeLibs.bpf().bpf_object__close(obj);
            obj = null;
        }
        maps.clear();
        programs.clear();
    }

    @Override
    public String toString() {
        return "BpfObjectFile[" + source + (loaded ? ", loaded" : "") + (closed ? ", closed" : "") + "]";
    }

    private BpfMap wrapMap(Pointer m, String name) {
        int fd = NativeLibs.bpf().bpf_map__fd(m);
        if (fd < 0) {
            throw BpfException.of("bpf_map__fd", name, fd);
        }
        return BpfMap.fromFd(fd, false, this, name);
    }

    private Pointer findMap(String name) {
        Pointer m = NativeLibs.bpf().bpf_object__find_map_by_name(handle(), name);
        if (m == null || m.address() == 0) {
            throw new BpfException("bpf_object__find_map_by_name", name, Errno.ENOENT, "not in " + source);
        }
        return m;
    }

    private Pointer handle() {
        if (closed || obj == null) {
            throw new IllegalStateException(this + " is closed");
        }
        return obj;
    }

    private void requireNotLoaded(String op) {
        handle();
        if (loaded) {
            throw new IllegalStateException(op + ": " + source + " is already loaded");
        }
    }

    private void requireLoaded(String op) {
        handle();
        if (!loaded) {
            throw new IllegalStateException(op + ": " + source + " is not loaded yet");
        }
    }
}
