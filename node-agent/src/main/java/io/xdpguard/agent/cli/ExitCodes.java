package io.xdpguard.agent.cli;

/** Exit codes of the agent's commands, documented in docs/cli.md. */
final class ExitCodes {
    static final int OK = 0;
    /** The input files or packets are invalid; the message names the file and field. */
    static final int INVALID_INPUT = 2;
    /** BPF cannot be used on this host (not root, no BPF in the kernel, libbpf missing). */
    static final int BPF_UNAVAILABLE = 3;
    /** {@code cleanup} could not remove everything; stderr says what is left and why. */
    static final int INCOMPLETE = 4;
    /** {@code standalone}: another xdpguard agent manages the pins under this bpffs root; the message names it. */
    static final int BUSY = 5;

    private ExitCodes() {
    }
}
