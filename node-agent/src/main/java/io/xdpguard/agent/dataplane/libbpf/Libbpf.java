package io.xdpguard.agent.dataplane.libbpf;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether this process can use BPF, in the style of netty's {@code Epoll.isAvailable()} /
 * {@code unavailabilityCause()}: libbpf 1.x loads, the process has CAP_BPF (or CAP_SYS_ADMIN)
 * and CAP_NET_ADMIN, and the kernel accepts a trivial XDP program. Checked once, lazily.
 */
public final class Libbpf {

    private static final int BPF_PROG_TYPE_XDP = 6;
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_BPF = 39;

    private Libbpf() {
    }

    private static final class Holder {
        static final Throwable CAUSE = probe();
    }

    /** True when libbpf is loaded, the capabilities are present and XDP programs load. */
    public static boolean isAvailable() {
        return Holder.CAUSE == null;
    }

    /** Why {@link #isAvailable()} is false; null when available. */
    public static Throwable unavailabilityCause() {
        return Holder.CAUSE;
    }

    /** Throws {@link BpfUnavailableException} with the cause when BPF cannot be used. */
    public static void ensureAvailability() {
        Throwable cause = Holder.CAUSE;
        if (cause != null) {
            if (cause instanceof BpfUnavailableException u) {
                throw new BpfUnavailableException(u.getMessage(), u);
            }
            throw new BpfUnavailableException("BPF is unavailable: " + cause.getMessage(), cause);
        }
    }

    /** The loaded libbpf's version, e.g. {@code "1.1"}. */
    public static String version() {
        LibBpfNative.Api bpf = NativeLibs.bpf();
        return bpf.libbpf_major_version() + "." + bpf.libbpf_minor_version();
    }

    /**
     * Route libbpf's own messages (verifier log on load failure, warnings; DEBUG level only when
     * that logger has DEBUG enabled) to the System.Logger
     * {@code io.xdpguard.agent.dataplane.libbpf.native} (the default), or drop them. Either way,
     * the last warnings of a failed load/attach are appended to the BpfException's message.
     */
    public static void setNativeLogging(boolean enabled) {
        NativeLibs.routeLibbpfLog(enabled);
    }

    private static Throwable probe() {
        Throwable loadFailure = NativeLibs.loadFailure();
        if (loadFailure != null) {
            return new BpfUnavailableException("libbpf could not be loaded: " + loadFailure.getMessage(), loadFailure);
        }
        String missingCaps = missingCapabilities();
        if (missingCaps != null) {
            return new BpfUnavailableException("missing capabilities: " + missingCaps
                    + " (run as root or grant CAP_BPF, CAP_NET_ADMIN)", null);
        }
        try {
            int r = NativeLibs.bpf().libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, null);
            if (r == 1) {
                return null;
            }
            int errno = r < 0 ? -r : NativeLibs.lastErrno();
            BpfException e = errno != 0
                    ? BpfException.of("libbpf_probe_bpf_prog_type", "XDP", errno)
                    : null;
            return new BpfUnavailableException("the kernel refused a trivial XDP program"
                    + (e != null ? ": " + e.getMessage() : " (no BPF / XDP support?)"), e);
        } catch (Throwable t) {
            return new BpfUnavailableException("probing BPF support failed: " + t, t);
        }
    }

    /** Null when all needed capabilities are effective, else a description of what is missing. */
    static String missingCapabilities() {
        BigInteger eff;
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/status"));
            String capEff = lines.stream().filter(l -> l.startsWith("CapEff:")).findFirst().orElse(null);
            if (capEff == null) {
                return null; // cannot tell: let the kernel probe decide
            }
            eff = new BigInteger(capEff.substring("CapEff:".length()).trim(), 16);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        StringBuilder missing = new StringBuilder();
        if (!eff.testBit(CAP_BPF) && !eff.testBit(CAP_SYS_ADMIN)) {
            missing.append("CAP_BPF (or CAP_SYS_ADMIN)");
        }
        if (!eff.testBit(CAP_NET_ADMIN)) {
            missing.append(missing.length() > 0 ? ", " : "").append("CAP_NET_ADMIN");
        }
        return missing.length() == 0 ? null : missing.toString();
    }
}
