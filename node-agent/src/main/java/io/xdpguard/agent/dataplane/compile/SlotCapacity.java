package io.xdpguard.agent.dataplane.compile;

/**
 * What one slot of the loaded maps holds per address dimension, where that decides what the compiler puts where:
 * exact addresses beyond {@code hosts} go to the LPM tries as full-length prefixes, /16s beyond {@code chunks} get
 * no /24 chunk and stay with the trie, IPv6 blocks beyond {@code ipv6Blocks} are left to the trie. All are read from
 * the maps' max_entries, so a compile always fits the classifier it is written to.
 *
 * @param hosts      host-hash entries (the map's max_entries / slots)
 * @param chunks     IPv4 /24 chunks (the dir24 map's max_entries / slots / 256), at most {@link Abi#DIR24_MAX_CHUNKS}
 * @param ipv6Blocks IPv6 /32 and /48 entries (the dir6 tables' ways per slot, halved: {@link Dir6Table#capacity}), at
 *                   most {@link Abi#DIR6_MAX_BLOCKS}
 */
public record SlotCapacity(int hosts, int chunks, int ipv6Blocks) {
    /** No limit on hosts, the object's default chunk and IPv6 block counts: for compiles that no map constrains. */
    public static final SlotCapacity UNLIMITED_HOSTS = hosts(Integer.MAX_VALUE);

    public SlotCapacity {
        if (hosts < 0 || chunks < 0 || chunks > Abi.DIR24_MAX_CHUNKS || ipv6Blocks < 0 || ipv6Blocks > Abi.DIR6_MAX_BLOCKS) {
            throw new IllegalArgumentException("slot capacity out of range: hosts " + hosts + ", chunks " + chunks
                    + ", IPv6 blocks " + ipv6Blocks);
        }
    }

    /** {@code hosts} host entries and the object's default chunk and IPv6 block counts. */
    public static SlotCapacity hosts(int hosts) {
        return new SlotCapacity(hosts, Abi.DIR24_CHUNKS, Abi.DIR6_BLOCKS);
    }
}
