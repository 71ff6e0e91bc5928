package io.xdpguard.agent.dataplane.libbpf;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;

/**
 * Loads the two native bindings once, remembers why loading failed, and installs the libbpf
 * log callback. Package-private: layer 2 classes call {@link #bpf()} / {@link #libc()}.
 *
 * <p>The libbpf library is looked up as, in order: the system property
 * {@value #LIBBPF_PATH_PROPERTY} (an absolute path or a library name) if set, then
 * {@code libbpf.so.1} (the runtime package, libbpf1 on Debian), then {@code bpf}
 * ({@code libbpf.so}, only present with the -dev package).
 */
final class NativeLibs {

    static final String LIBBPF_PATH_PROPERTY = "xdpguard.libbpf.path";

    /** Logger that receives libbpf's own messages (WARN/INFO/DEBUG mapped to the same levels). */
    static final Logger LIBBPF_LOG = System.getLogger("io.xdpguard.agent.dataplane.libbpf.native");

    private static final Logger LOG = System.getLogger(NativeLibs.class.getName());

    private static final LibBpfNative.Api BPF;
    private static final LibcNative.Api LIBC;
    private static final Runtime BPF_RUNTIME;
    private static final Runtime LIBC_RUNTIME;
    private static final Throwable LOAD_FAILURE;

    /** How many of libbpf's most recent warnings each thread keeps for exception messages. */
    private static final int KEPT_WARNINGS = 12;
    private static final ThreadLocal<ArrayDeque<String>> WARNINGS = ThreadLocal.withInitial(ArrayDeque::new);

    /**
     * Per-thread native buffer for formatting libbpf's messages: a {@code va_list} can be
     * consumed once, so it must be big enough for a verifier log in one go.
     */
    private static final int FORMAT_BUFFER_SIZE = 1 << 20;
    private static final ThreadLocal<Pointer> FORMAT_BUFFER =
            ThreadLocal.withInitial(() -> NativeStructs.alloc(FORMAT_BUFFER_SIZE));

    /** Whether libbpf's messages go to {@link #LIBBPF_LOG}; see {@link #routeLibbpfLog}. */
    private static volatile boolean forwardLog = true;

    /** Strong reference: the native side keeps only a function pointer to this callback. */
    private static final LibBpfNative.Api.PrintFn PRINT_FN = NativeLibs::onLibbpfLog;

    static {
        LibcNative.Api libc = null;
        LibBpfNative.Api bpf = null;
        Throwable failure = null;
        try {
            libc = LibraryLoader.create(LibcNative.Api.class)
                    .option(LibraryOption.SaveError, Boolean.TRUE)
                    .failImmediately()
                    .load("c");
        } catch (Throwable t) { // UnsatisfiedLinkError, LinkageError from jffi, ...
            failure = t;
        }
        if (failure == null) {
            List<String> candidates = new ArrayList<>();
            String override = System.getProperty(LIBBPF_PATH_PROPERTY);
            if (override != null && !override.isBlank()) {
                candidates.add(override.trim());
            }
            candidates.add("libbpf.so.1");
            candidates.add("bpf");
            for (String candidate : candidates) {
                try {
                    bpf = LibraryLoader.create(LibBpfNative.Api.class)
                            .option(LibraryOption.SaveError, Boolean.TRUE)
                            .failImmediately()
                            .load(candidate);
                    failure = null;
                    break;
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = new UnsatisfiedLinkError("cannot load libbpf (tried " + candidates + ")");
                    }
                    failure.addSuppressed(t);
                }
            }
        }
        if (bpf != null) {
            try {
                int major = bpf.libbpf_major_version();
                if (major < 1) {
                    failure = new UnsatisfiedLinkError("libbpf " + major + "." + bpf.libbpf_minor_version()
                            + " is too old: 1.x is required (errno conventions, bpf_xdp_* API)");
                    bpf = null;
                } else {
                    bpf.libbpf_set_print(PRINT_FN);
                }
            } catch (Throwable t) {
                failure = t;
                bpf = null;
            }
        }
        LIBC = libc;
        BPF = bpf;
        LOAD_FAILURE = failure;
        LIBC_RUNTIME = libc == null ? null : Runtime.getRuntime(libc);
        BPF_RUNTIME = bpf == null ? null : Runtime.getRuntime(bpf);
        if (failure != null) {
            LOG.log(Level.DEBUG, "libbpf binding unavailable", failure);
        }
    }

    private NativeLibs() {
    }

    /** Null when both libraries loaded. */
    static Throwable loadFailure() {
        return LOAD_FAILURE;
    }

    static LibBpfNative.Api bpf() {
        if (BPF == null) {
            throw new BpfUnavailableException("libbpf is not available: " + describe(LOAD_FAILURE), LOAD_FAILURE);
        }
        return BPF;
    }

    static LibcNative.Api libc() {
        if (LIBC == null) {
            throw new BpfUnavailableException("libc binding is not available: " + describe(LOAD_FAILURE), LOAD_FAILURE);
        }
        return LIBC;
    }

    /** errno saved by jnr after the last native call on this thread (libbpf and libc share it). */
    static int lastErrno() {
        Runtime rt = BPF_RUNTIME != null ? BPF_RUNTIME : LIBC_RUNTIME;
        return rt == null ? 0 : LastError.getLastError(rt);
    }

    static int lastLibcErrno() {
        return LIBC_RUNTIME == null ? 0 : LastError.getLastError(LIBC_RUNTIME);
    }

    /**
     * Forwards libbpf's messages to {@link #LIBBPF_LOG} (the default) or not. The callback stays
     * installed either way, so that warnings still end up in exception messages.
     */
    static void routeLibbpfLog(boolean enabled) {
        bpf();
        forwardLog = enabled;
    }

    static String strerror(int errno) {
        if (LIBC != null) {
            try {
                String s = LIBC.strerror(errno);
                if (s != null && !s.startsWith("Unknown error")) {
                    return s;
                }
            } catch (Throwable ignored) {
                // fall through to the built-in table
            }
        }
        return Errno.describe(errno);
    }

    private static String describe(Throwable t) {
        return t == null ? "unknown reason" : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Forgets this thread's captured libbpf warnings; call before an operation. */
    static void clearWarnings() {
        WARNINGS.get().clear();
    }

    /**
     * libbpf's warnings on this thread since {@link #clearWarnings()} (the last few), joined for
     * an exception message (e.g. the verifier's verdict, "Active program does not match
     * expected"); null when there were none. Clears them.
     */
    static String drainWarnings() {
        ArrayDeque<String> q = WARNINGS.get();
        if (q.isEmpty()) {
            return null;
        }
        String joined = String.join(" | ", q);
        q.clear();
        return joined.length() > 4000 ? "..." + joined.substring(joined.length() - 4000) : joined;
    }

    // enum libbpf_print_level { LIBBPF_WARN, LIBBPF_INFO, LIBBPF_DEBUG }
    private static int onLibbpfLog(int level, Pointer format, Pointer vaList) {
        try {
            Level jLevel = switch (level) {
                case 0 -> Level.WARNING;
                case 1 -> Level.INFO;
                default -> Level.DEBUG;
            };
            boolean keep = level == 0;
            boolean forward = forwardLog && LIBBPF_LOG.isLoggable(jLevel);
            if ((!keep && !forward) || LIBC == null) {
                return 0;
            }
            Pointer buf = FORMAT_BUFFER.get();
            int n = LIBC.vsnprintf(buf, FORMAT_BUFFER_SIZE, format, vaList);
            if (n < 0) {
                return 0;
            }
            int len = Math.min(n, FORMAT_BUFFER_SIZE - 1);
            byte[] bytes = new byte[len];
            buf.get(0, bytes, 0, len);
            while (len > 0 && (bytes[len - 1] == '\n' || bytes[len - 1] == '\r')) {
                len--;
            }
            String truncated = n >= FORMAT_BUFFER_SIZE ? " [... truncated, " + n + " bytes in all]" : "";
            if (len > 0) {
                String line = new String(bytes, 0, len, StandardCharsets.UTF_8) + truncated;
                if (keep) {
                    ArrayDeque<String> q = WARNINGS.get();
                    if (q.size() == KEPT_WARNINGS) {
                        q.removeFirst();
                    }
                    q.addLast(line.startsWith("libbpf: ") ? line.substring(8) : line);
                }
                if (forward) {
                    LIBBPF_LOG.log(jLevel, line);
                }
            }
            return n;
        } catch (Throwable t) {
            return 0; // never let an exception unwind into native code
        }
    }

    /** Walks {@code bpf_{prog,map}_get_next_id}: every id of that kind in the kernel, ascending. */
    static List<Integer> listIds(String operation, java.util.function.BiFunction<Integer, IntByReference, Integer> nextId) {
        List<Integer> ids = new ArrayList<>();
        IntByReference next = new IntByReference(0);
        int current = 0;
        while (true) {
            int r = nextId.apply(current, next);
            if (r < 0) {
                if (-r == Errno.ENOENT) {
                    return ids;
                }
                throw BpfException.of(operation, null, r);
            }
            current = next.getValue();
            ids.add(current);
        }
    }

    /** A descriptor of the object pinned at {@code path} ({@code bpf_obj_get}); the caller owns it. */
    static int pinnedFd(java.nio.file.Path path) {
        int fd = bpf().bpf_obj_get(path.toString());
        if (fd < 0) {
            throw BpfException.of("bpf_obj_get", path.toString(), fd);
        }
        return fd;
    }

    /** A descriptor from a {@code bpf_*_get_fd_by_id} call; the caller owns it. */
    static int fdById(String operation, String target, java.util.function.IntSupplier call) {
        int fd = call.getAsInt();
        if (fd < 0) {
            throw BpfException.of(operation, target, fd);
        }
        return fd;
    }
}
