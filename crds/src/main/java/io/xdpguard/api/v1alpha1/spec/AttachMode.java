package io.xdpguard.api.v1alpha1.spec;

/** How the XDP program is attached to an interface. */
public enum AttachMode {
    /** Native (driver) XDP, falling back to generic when the driver refuses. */
    Auto,
    /** Native (driver) XDP only; an interface whose driver lacks it fails. */
    Native,
    /** Generic (skb) XDP: works on every interface, slower. */
    Generic
}
