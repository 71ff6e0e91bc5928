package io.xdpguard.agent.dataplane.rules;

/** What an interface does with packets no rule matched; mirrors {@code enum xg_default}. */
public enum DefaultVerdict {
    PASS,
    DROP,
    /** A Drop default from Audit filters only: counted as a would-drop, passed. */
    AUDIT_DROP
}
