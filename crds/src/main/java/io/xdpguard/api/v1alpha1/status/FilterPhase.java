package io.xdpguard.api.v1alpha1.status;

/** Where one filter stands on one node. */
public enum FilterPhase {
    /** The applied generation is in force on every selected interface. */
    Enforcing,
    /** Being applied, or waiting for a selected interface to appear. */
    Pending,
    /** Could not be applied; the message says why. The last good generation, if any, stays in force. */
    Failed,
    /** The filter's nodeSelector does not match this node. */
    NotSelected
}
