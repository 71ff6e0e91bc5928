package io.xdpguard.api.v1alpha1.spec;

/** Whether a filter's drops happen or are only counted. */
public enum Enforcement {
    Enforce,
    /** Evaluate and count everything, never drop: a would-drop is counted as such and passed. */
    Audit
}
