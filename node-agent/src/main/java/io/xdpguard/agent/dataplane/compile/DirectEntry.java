package io.xdpguard.agent.dataplane.compile;

/** The entry of a direct table (IPv4 /16 or /24, IPv6 /32 or /48) that answers for a whole block. */
final class DirectEntry {
    private DirectEntry() {
    }

    /**
     * {@link Abi#DIR_FINAL} with the vector of the block's longest enclosing prefix, and that prefix's
     * {@link Abi#HOSTS_INSIDE} only when a host of the block is in the host table: such a host's longest enclosing
     * prefix is that same one (no longer prefix lies inside the block), which carries the flag then.
     */
    static int answer(int prefixValue, boolean hostsInside) {
        return Abi.DIR_FINAL | (prefixValue & Abi.VEC_MASK) | (hostsInside ? prefixValue & Abi.HOSTS_INSIDE : 0);
    }
}
