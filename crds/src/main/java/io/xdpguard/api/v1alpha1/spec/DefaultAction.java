package io.xdpguard.api.v1alpha1.spec;

/** What happens to a packet no rule of any filter on the interface matched. */
public enum DefaultAction {
    Pass,
    Drop
}
