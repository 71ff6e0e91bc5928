package io.xdpguard.agent.dataplane.libbpf;

/** {@code enum xdp_action} (linux/bpf.h): the return value of an XDP program. */
public enum XdpAction {
    ABORTED,
    DROP,
    PASS,
    TX,
    REDIRECT;

    /** The action for a program's return value; empty for values outside the enum. */
    public static java.util.Optional<XdpAction> of(int retval) {
        return retval >= 0 && retval < values().length
                ? java.util.Optional.of(values()[retval])
                : java.util.Optional.empty();
    }

    /** The kernel's numeric value (ABORTED = 0 ... REDIRECT = 4). */
    public int code() {
        return ordinal();
    }
}
