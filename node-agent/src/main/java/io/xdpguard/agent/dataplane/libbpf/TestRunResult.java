package io.xdpguard.agent.dataplane.libbpf;

import java.util.Optional;

/**
 * The outcome of {@code BPF_PROG_TEST_RUN}.
 *
 * @param retval     the program's return value (an {@link XdpAction} code for XDP); always 0 for
 *                   live-frame runs, where the kernel does not report it
 * @param durationNs average run time per repetition, in nanoseconds
 * @param dataOut    the packet after the program ran (may have changed length); empty for
 *                   live-frame runs
 */
public record TestRunResult(int retval, long durationNs, byte[] dataOut) {

    public TestRunResult {
        dataOut = dataOut == null ? new byte[0] : dataOut;
    }

    /** {@link #retval()} as an XDP action, empty if out of range. */
    public Optional<XdpAction> xdpAction() {
        return XdpAction.of(retval);
    }
}
