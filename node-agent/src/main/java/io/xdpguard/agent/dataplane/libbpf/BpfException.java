package io.xdpguard.agent.dataplane.libbpf;

/**
 * A failed libbpf / bpf(2) / netlink / libc operation. Carries the operation name (the C
 * function, e.g. {@code bpf_map_update_elem}), the object it acted on (map, program, path or
 * interface, may be null) and the positive errno. The message reads
 * {@code bpf_map_update_elem(xg_rules): errno 7 (E2BIG: Argument list too long)}.
 *
 * <p>Callers react with {@link #errno()} compared to {@link Errno} constants, or with the
 * predicates below.
 */
public class BpfException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String operation;
    private final String target;
    private final int errno;

    public BpfException(String operation, String target, int errno) {
        this(operation, target, errno, null, null);
    }

    public BpfException(String operation, String target, int errno, String detail) {
        this(operation, target, errno, detail, null);
    }

    protected BpfException(String operation, String target, int errno, String detail, Throwable cause) {
        super(format(operation, target, errno, detail), cause);
        this.operation = operation;
        this.target = target;
        this.errno = Math.abs(errno);
    }

    /** For conditions that are not an errno (library missing, wrong state). */
    protected BpfException(String message, Throwable cause) {
        super(message, cause);
        this.operation = null;
        this.target = null;
        this.errno = 0;
    }

    /** Builds the exception for a libbpf return value of {@code -errno} (or a positive errno). */
    static BpfException of(String operation, String target, int negOrPosErrno) {
        return new BpfException(operation, target, Math.abs(negOrPosErrno));
    }

    static String format(String operation, String target, int errno, String detail) {
        int e = Math.abs(errno);
        StringBuilder sb = new StringBuilder();
        sb.append(operation == null ? "bpf" : operation);
        if (target != null) {
            sb.append('(').append(target).append(')');
        }
        sb.append(": errno ").append(e).append(" (").append(Errno.name(e)).append(": ")
                .append(NativeLibs.strerror(e)).append(')');
        if (detail != null && !detail.isEmpty()) {
            sb.append(": ").append(detail);
        }
        return sb.toString();
    }

    /** The C function that failed, e.g. {@code bpf_xdp_attach}; null for non-errno failures. */
    public String operation() {
        return operation;
    }

    /** Map / program / path / interface the operation acted on; may be null. */
    public String target() {
        return target;
    }

    /** Positive errno; 0 when the failure is not an errno. */
    public int errno() {
        return errno;
    }

    public boolean isNotFound() {
        return errno == Errno.ENOENT;
    }

    public boolean isAlreadyExists() {
        return errno == Errno.EEXIST;
    }

    public boolean isBusy() {
        return errno == Errno.EBUSY;
    }

    public boolean isPermissionDenied() {
        return errno == Errno.EPERM || errno == Errno.EACCES;
    }

    public boolean isNotSupported() {
        return errno == Errno.EOPNOTSUPP || errno == Errno.ENOTSUPP || errno == Errno.ENOSYS;
    }
}
