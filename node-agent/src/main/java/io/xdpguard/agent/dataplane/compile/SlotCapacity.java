package io.xdpguard.agent.dataplane.compile;

/**
 * What one slot of the loaded maps holds per address dimension, where that decides what the compiler puts where:
 * exact addresses beyond {@code hosts} go to the LPM tries as full-length prefixes, /16s beyond {@code chunks} get
 * no /24 chunk and stay with the trie. Both are read from the maps' max_entries, so a compile always fits the
 * classifier it is written to.
 *
 * @param hosts  host-hash entries (the map's max_entries / slots)
 * @param chunks IPv4 /24 chunks (the dir24 map's max_entries / slots / 256), at most {@link Abi#DIR24_MAX_CHUNKS}
 */
public record SlotCapacity(int hosts, int chunks) {
    /** No limit on hosts, the object's default chunk count: for compiles that no map constrains (tests, tools). */
    public static final SlotCapacity UNLIMITED_HOSTS = new SlotCapacity(Integer.MAX_VALUE, Abi.DIR24_CHUNKS);

    public SlotCapacity {
        if (hosts < 0 || chunks < 0 || chunks > Abi.DIR24_MAX_CHUNKS) {
            throw new IllegalArgumentException("slot capacity out of range: hosts " + hosts + ", chunks " + chunks);
        }
    }

    /** {@code hosts} host entries and the object's default chunk count. */
    public static SlotCapacity hosts(int hosts) {
        return new SlotCapacity(hosts, Abi.DIR24_CHUNKS);
    }
}
