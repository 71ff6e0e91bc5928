package io.xdpguard.operator.event;

/** Every reason the operator records an Event for, with its type. */
public enum EventReason {
    /** A generation failed validation: nothing that runs changed; the message names the field. */
    Rejected(EventRecorder.WARNING),
    /** An accepted filter would drop control-plane traffic that only the agents' failsafe rules still pass. */
    FailsafeLockout(EventRecorder.WARNING),
    /** As FailsafeLockout, with the failsafe turned off: the traffic WILL be cut. */
    Lockout(EventRecorder.WARNING),
    /** A deleted filter waits for agents to remove it before its finalizer is released. */
    WaitingForAgents(EventRecorder.NORMAL);

    private final String type;

    EventReason(String type) {
        this.type = type;
    }

    public String type() {
        return type;
    }
}
