package io.xdpguard.agent.dataplane;

/**
 * What the kernel holds for one interface after an apply, as observed (not as intended).
 *
 * @param ifindex     kernel interface index, 0 when the interface does not exist
 * @param attachMode  "Native" or "Generic" as the kernel reports it; null when nothing of ours is attached
 * @param programId   kernel id of our attached program (bpftool prog show id N); 0 when none
 * @param ruleCount   rules in force (failsafe included)
 * @param ruleSetId   the {@link InterfacePlan#ruleSetId()} in force; null when none
 * @param conflict    a foreign XDP program found on the interface and left alone; null when none
 * @param message     why the state is what it is (errors name the operation and errno)
 */
public record InterfaceReport(String name, int ifindex, State state, String attachMode, long programId,
        int ruleCount, String ruleSetId, ForeignProgram conflict, String message) {

    public enum State {
        /** The planned rule set is in force. */
        ENFORCING,
        /** The interface does not exist (yet): nothing to attach to. */
        ABSENT,
        /** A foreign XDP program holds the interface; xdpguard did not touch it. */
        CONFLICT,
        /** Attaching or writing failed; what was in force before (if anything) still is. */
        FAILED
    }

    /** An XDP program on a selected interface that is not xdpguard's. */
    public record ForeignProgram(long programId, String programName) {
    }
}
