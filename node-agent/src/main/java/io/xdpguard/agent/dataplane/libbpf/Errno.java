package io.xdpguard.agent.dataplane.libbpf;

import java.util.HashMap;
import java.util.Map;

/**
 * The errno values callers of this package may want to react to, and names for messages.
 * Linux (asm-generic) numbering; 524 is the kernel-internal ENOTSUPP that the bpf syscall
 * leaks to user space (e.g. batch operations on map types that lack them); 4000+ are libbpf's
 * own LIBBPF_ERRNO__* codes (libbpf.h).
 */
public final class Errno {

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int EMFILE = 24;
    public static final int ENOSPC = 28;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int EOPNOTSUPP = 95;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENOBUFS = 105;
    /** Kernel-internal "operation not supported", seen from the bpf syscall. */
    public static final int ENOTSUPP = 524;

    private static final Map<Integer, String[]> TABLE = new HashMap<>();

    static {
        put(EPERM, "EPERM", "Operation not permitted");
        put(ENOENT, "ENOENT", "No such file or directory");
        put(ESRCH, "ESRCH", "No such process");
        put(EINTR, "EINTR", "Interrupted system call");
        put(EIO, "EIO", "Input/output error");
        put(ENXIO, "ENXIO", "No such device or address");
        put(E2BIG, "E2BIG", "Argument list too long");
        put(8, "ENOEXEC", "Exec format error");
        put(EBADF, "EBADF", "Bad file descriptor");
        put(EAGAIN, "EAGAIN", "Resource temporarily unavailable");
        put(ENOMEM, "ENOMEM", "Cannot allocate memory");
        put(EACCES, "EACCES", "Permission denied");
        put(EFAULT, "EFAULT", "Bad address");
        put(EBUSY, "EBUSY", "Device or resource busy");
        put(EEXIST, "EEXIST", "File exists");
        put(18, "EXDEV", "Invalid cross-device link");
        put(ENODEV, "ENODEV", "No such device");
        put(ENOTDIR, "ENOTDIR", "Not a directory");
        put(EISDIR, "EISDIR", "Is a directory");
        put(EINVAL, "EINVAL", "Invalid argument");
        put(23, "ENFILE", "Too many open files in system");
        put(EMFILE, "EMFILE", "Too many open files");
        put(27, "EFBIG", "File too large");
        put(ENOSPC, "ENOSPC", "No space left on device");
        put(30, "EROFS", "Read-only file system");
        put(ERANGE, "ERANGE", "Numerical result out of range");
        put(ENAMETOOLONG, "ENAMETOOLONG", "File name too long");
        put(ENOSYS, "ENOSYS", "Function not implemented");
        put(ENOTEMPTY, "ENOTEMPTY", "Directory not empty");
        put(ELOOP, "ELOOP", "Too many levels of symbolic links");
        put(61, "ENODATA", "No data available");
        put(71, "EPROTO", "Protocol error");
        put(74, "EBADMSG", "Bad message");
        put(75, "EOVERFLOW", "Value too large for defined data type");
        put(EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported");
        put(97, "EAFNOSUPPORT", "Address family not supported by protocol");
        put(EADDRNOTAVAIL, "EADDRNOTAVAIL", "Cannot assign requested address");
        put(100, "ENETDOWN", "Network is down");
        put(ENOBUFS, "ENOBUFS", "No buffer space available");
        put(110, "ETIMEDOUT", "Connection timed out");
        put(114, "EALREADY", "Operation already in progress");
        put(ENOTSUPP, "ENOTSUPP", "Operation is not supported (kernel-internal ENOTSUPP)");
        put(4000, "LIBBPF_ERRNO__LIBELF", "Something wrong in libelf");
        put(4001, "LIBBPF_ERRNO__FORMAT", "BPF object format invalid");
        put(4002, "LIBBPF_ERRNO__KVERSION", "Incorrect or no 'version' section");
        put(4003, "LIBBPF_ERRNO__ENDIAN", "Endian mismatch");
        put(4004, "LIBBPF_ERRNO__INTERNAL", "Internal error in libbpf");
        put(4005, "LIBBPF_ERRNO__RELOC", "Relocation failed");
        put(4006, "LIBBPF_ERRNO__LOAD", "Load program failure for unknown reason");
        put(4007, "LIBBPF_ERRNO__VERIFY", "Kernel verifier blocks program loading");
        put(4008, "LIBBPF_ERRNO__PROG2BIG", "Program too big");
        put(4009, "LIBBPF_ERRNO__KVER", "Incorrect kernel version");
        put(4010, "LIBBPF_ERRNO__PROGTYPE", "Kernel doesn't support this program type");
        put(4011, "LIBBPF_ERRNO__WRNGPID", "Wrong pid in netlink message");
        put(4012, "LIBBPF_ERRNO__INVSEQ", "Invalid netlink sequence");
        put(4013, "LIBBPF_ERRNO__NLPARSE", "Netlink message parsing error");
    }

    private Errno() {
    }

    private static void put(int errno, String name, String description) {
        TABLE.put(errno, new String[] {name, description});
    }

    /** Symbolic name such as {@code "E2BIG"}, or {@code "errno<N>"} when unknown. */
    public static String name(int errno) {
        String[] e = TABLE.get(errno);
        return e != null ? e[0] : "errno" + errno;
    }

    /** A built-in description (used when libc's strerror does not know the value). */
    static String describe(int errno) {
        String[] e = TABLE.get(errno);
        return e != null ? e[1] : "Unknown error " + errno;
    }
}
