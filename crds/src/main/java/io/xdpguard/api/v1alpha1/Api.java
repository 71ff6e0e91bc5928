package io.xdpguard.api.v1alpha1;

/** Names shared by the three kinds of the xdpguard.io/v1alpha1 API. */
public final class Api {
    public static final String GROUP = "xdpguard.io";
    public static final String VERSION = "v1alpha1";
    public static final String API_VERSION = GROUP + "/" + VERSION;

    /** Most rules one filter may hold. */
    public static final int MAX_RULES_PER_FILTER = 1024;
    /** Most CIDRs one XdpCidrSet may hold; larger lists span several objects. */
    public static final int MAX_CIDRS_PER_SET = 50_000;
    /**
     * The node label the operator sets on the nodes it places the agent on. Not a filter's to select on: it follows the
     * selectors, and a selector on it would chase its own result.
     */
    public static final String AGENT_NODE_LABEL = GROUP + "/agent";
    /** Most failures listed in a filter's status. */
    public static final int MAX_LISTED_FAILURES = 10;

    private Api() {
    }
}
