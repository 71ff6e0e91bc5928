package io.xdpguard.agent.dataplane.libbpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An exclusive BSD lock (flock) on a bpffs root directory: one xdpguard agent per set of pins. Two agents on the same
 * pins would each apply their own plan over the other's, and the one whose plan was overwritten would not notice. The
 * lock is on the directory's inode, which every mount namespace sharing that bpffs sees, so it also holds between a
 * containerised agent and a process on the host; the kernel releases it when the holder exits, however it exits.
 */
public final class BpffsLock implements AutoCloseable {
    private static final int O_RDONLY = 0;
    /** The same on x86_64 and aarch64 (O_DIRECTORY is not: the directory is checked before the open instead). */
    private static final int O_CLOEXEC = 0x80000;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final int EWOULDBLOCK = 11;

    private int fd;

    private BpffsLock(int fd) {
        this.fd = fd;
    }

    /**
     * Takes the lock on {@code root} without waiting.
     *
     * @throws HeldException when another process (or another instance in this one) holds it, naming the process
     */
    public static BpffsLock acquire(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("cannot lock " + root + ": not a directory");
        }
        LibcNative.Api libc = NativeLibs.libc();
        int fd = libc.open(root.toString(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            throw new BpfException("open", "bpffs root " + root + " (to lock it)", NativeLibs.lastLibcErrno());
        }
        if (libc.flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int errno = NativeLibs.lastLibcErrno();
            libc.close(fd);
            if (errno == EWOULDBLOCK) {
                throw new HeldException("another xdpguard agent manages the pins under " + root + " ("
                        + holders(root) + "): stop it first; two agents on the same pins would overwrite each "
                        + "other's rules");
            }
            throw new BpfException("flock", "bpffs root " + root, errno);
        }
        return new BpffsLock(fd);
    }

    /** The lock is held by another agent. */
    public static final class HeldException extends IllegalStateException {
        HeldException(String message) {
            super(message);
        }
    }

    /** The processes holding a flock on {@code root}'s inode, from /proc/locks, for the message. */
    private static String holders(Path root) {
        List<String> pids = new ArrayList<>();
        try {
            long inode = ((Number) Files.getAttribute(root, "unix:ino")).longValue();
            for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
                // 1: FLOCK  ADVISORY  WRITE 4242 00:26:1 0 EOF
                String[] f = line.trim().split("\\s+");
                if (f.length >= 6 && f[1].equals("FLOCK") && f[5].endsWith(":" + inode)) {
                    String pid = f[4];
                    String command = commandOf(pid);
                    pids.add("pid " + pid + (command.isEmpty() ? "" : " " + command));
                }
            }
        } catch (IOException | RuntimeException e) {
            return "its process could not be told";
        }
        return pids.isEmpty() ? "its process could not be told" : String.join(", ", pids);
    }

    private static String commandOf(String pid) {
        try {
            String command = Files.readString(Path.of("/proc", pid, "cmdline")).replace('\0', ' ').strip();
            return "(" + (command.length() > 100 ? command.substring(0, 100) + "..." : command) + ")";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            NativeLibs.libc().close(fd);
            fd = -1;
        }
    }
}
