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
     *
     * @throws IllegalStateException when a mount there would not reach the host (see {@link #whyAMountWouldStayLocal})
     */
    public static void ensureMounted(Path path) {
        if (isMounted(path)) {
            return;
        }
        String mountinfo;
        try {
            mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
        }
        String localOnly = whyAMountWouldStayLocal(mountinfo, path, aloneInMountNamespace());
        if (localOnly != null) {
            throw new IllegalStateException("bpffs is not mounted at " + path + ", and a bpffs mounted there by this "
                    + "process would stay in its own mount namespace (" + localOnly + "): pins would vanish with it. "
                    + "Mount bpffs on the host (mount -t bpf bpf " + path + ", or systemd's sys-fs-bpf.mount), or run "
                    + "the agent privileged (Bidirectional propagation).");
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

    /**
     * Why a bpffs mounted at {@code path} would stay in this mount namespace, or null when it would reach the host. It
     * stays when the mount above {@code path} is a propagation slave without being shared ({@code master:N} and no
     * {@code shared:M} in /proc/self/mountinfo: it receives the host's mounts but does not send its own back), or when
     * that mount is not shared and no other process uses this mount namespace (one made for this process, as by
     * {@code ip netns exec}): then the mount vanishes when the process exits. A private mount in a namespace other
     * processes use is taken for the host's own (a minimal VM without shared mounts).
     */
    static String whyAMountWouldStayLocal(String mountinfo, Path path, boolean aloneInMountNamespace) {
        String best = null;
        boolean shared = false;
        boolean slave = false;
        for (String line : mountinfo.split("\n")) {
            String[] fields = line.split(" ");
            int separator = java.util.Arrays.asList(fields).indexOf("-");
            if (fields.length < 7 || separator < 6) {
                continue;
            }
            String mountPoint = fields[4].replace("\\040", " ");
            if (path.startsWith(Path.of(mountPoint)) && (best == null || mountPoint.length() >= best.length())) {
                best = mountPoint;
                shared = false;
                slave = false;
                for (int i = 6; i < separator; i++) {
                    shared |= fields[i].startsWith("shared:");
                    slave |= fields[i].startsWith("master:");
                }
            }
        }
        if (best == null || shared) {
            return null;
        }
        if (slave) {
            return best + " receives the host's mounts but does not send its own back, e.g. a container's "
                    + "mountPropagation HostToContainer";
        }
        return aloneInMountNamespace ? "no other process uses this mount namespace and " + best + " is not shared, "
                + "e.g. under `ip netns exec`, which also hides the host's bpffs: use `nsenter --net=/run/netns/NAME` "
                + "instead" : null;
    }

    /** Whether no other process uses this process's mount namespace (false when that cannot be told). */
    static boolean aloneInMountNamespace() {
        Path own = Path.of("/proc/self/ns/mnt");
        String self;
        try {
            self = Files.readSymbolicLink(own).toString();
        } catch (IOException e) {
            return false;
        }
        String pid = Long.toString(ProcessHandle.current().pid());
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> !p.getFileName().toString().equals(pid))
                    .noneMatch(p -> {
                        try {
                            return Files.readSymbolicLink(p.resolve("ns/mnt")).toString().equals(self);
                        } catch (java.nio.file.NoSuchFileException e) {
                            return false; // gone meanwhile
                        } catch (IOException | RuntimeException e) {
                            return true; // not ours to read (hidepid, fewer capabilities): cannot tell, so not alone
                        }
                    });
        } catch (IOException e) {
            return false;
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
