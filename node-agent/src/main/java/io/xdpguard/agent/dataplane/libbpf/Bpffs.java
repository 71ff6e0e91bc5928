package io.xdpguard.agent.dataplane.libbpf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import jnr.ffi.Pointer;

/**
 * The BPF filesystem, where maps and programs are pinned so they outlive the agent process.
 */
public final class Bpffs {

    /** Where bpffs is conventionally mounted. */
    public static final Path DEFAULT_ROOT = Path.of("/sys/fs/bpf");
    /** {@code BPF_FS_MAGIC} (linux/magic.h), the statfs f_type of bpffs. */
    public static final long BPF_FS_MAGIC = 0xcafe4a11L;
    /** Room for glibc's {@code struct statfs} (120 bytes on x86_64 and aarch64). */
    private static final int STATFS_BUF = 256;

    private Bpffs() {
    }

    /** True when {@code path} exists and lies on a bpffs mount (statfs magic). */
    public static boolean isMounted(Path path) {
        Pointer buf = NativeStructs.alloc(STATFS_BUF);
        int r = NativeLibs.libc().statfs(path.toString(), buf);
        if (r != 0) {
            return false;
        }
        // f_type is the first member (__fsword_t = long) on LP64 glibc
        return (buf.getLong(0) & 0xffffffffL) == BPF_FS_MAGIC;
    }

    /**
     * Mounts bpffs at {@code path} (creating the directory) unless it already is one;
     * {@code mount -t bpf bpf PATH}. Needs CAP_SYS_ADMIN in the mount namespace.
     */
    public static void ensureMounted(Path path) {
        if (isMounted(path)) {
            return;
        }
        try {
            Files.createDirectories(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + path, e);
        }
        LibcNative.Api libc = NativeLibs.libc();
        int r = libc.mount("bpf", path.toString(), "bpf", 0L, null);
        if (r != 0) {
            throw new BpfException("mount", "bpffs at " + path, NativeLibs.lastLibcErrno());
        }
    }

    /** {@code root/name}, checking that {@code name} is a single path component. */
    public static Path pinPath(Path root, String name) {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a pin name: " + name);
        }
        return root.resolve(name);
    }

    /** Removes a pin (unlink on bpffs); false when there was none. The object lives on if used. */
    public static boolean unpin(Path pin) {
        try {
            return Files.deleteIfExists(pin);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove pin " + pin, e);
        }
    }

    /** Removes a directory of pins recursively (pins and subdirectories); no-op if absent. */
    public static void removeRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot remove " + p, e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
