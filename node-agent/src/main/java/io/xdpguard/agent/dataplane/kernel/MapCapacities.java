package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.compile.Abi;
import io.xdpguard.agent.dataplane.compile.Dir6Table;
import io.xdpguard.agent.dataplane.libbpf.BpfObjectFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Map sizes set before load ({@code bpf_map__set_max_entries}). The object's defaults size the host hashes for
 * 2.2M entries, which costs ~64 MiB of bucket memory per map and interface even without preallocation; the agent
 * loads them smaller and the compiler sends exact addresses beyond a slot's share to the LPM tries instead. A big
 * blocklist is faster with every host in the hash and a /24 chunk for every /16 that needs one, which costs kernel
 * memory (docs/dataplane.md "Map capacities"): a configuration, not the default.
 *
 * @param hosts         entries of xg_src_host and xg_dst_host each (both slots together); 0 keeps the object's size
 * @param lpm4          entries of xg_src4 and xg_dst4 each; 0 keeps the object's size
 * @param lpm6          entries of xg_src6 and xg_dst6 each; 0 keeps the object's size
 * @param chunksPerSlot IPv4 /24 chunks per slot of xg_src4_dir24 and xg_dst4_dir24 each (1 KiB a chunk), at
 *                      most {@link Abi#DIR24_MAX_CHUNKS}; 0 keeps the object's {@link Abi#DIR24_CHUNKS}
 * @param ipv6Blocks    entries (IPv6 /32s and /48s) of xg_src6_dir and xg_dst6_dir each (both slots together), which
 *                      size their buckets (per slot: {@link Dir6Table#bucketBits}, rounded up to a power of two); 0
 *                      keeps the object's size
 */
public record MapCapacities(int hosts, int lpm4, int lpm6, int chunksPerSlot, int ipv6Blocks) {
    /** The program's load-time constant holding the chunks per slot: the only variable of this section. */
    static final String DIR24_CHUNKS_SECTION = ".rodata.dir24";

    /** The agent's defaults (its configuration and the standalone command's options), per slot. */
    public static final int DEFAULT_HOSTS_PER_SLOT = 65_536;
    public static final int DEFAULT_PREFIXES_PER_SLOT = 1_100_000;
    public static final int DEFAULT_CHUNKS_PER_SLOT = Abi.DIR24_CHUNKS;
    public static final int DEFAULT_IPV6_BLOCKS_PER_SLOT = Abi.DIR6_BLOCKS;
    /**
     * The agent's default, per slot: 65,536 hosts; 1,100,000 prefixes (the object's 2,200,000 per trie: both slots
     * share a trie, and a change writes the new set into the inactive slot while the old one is still in force, so a
     * rule set of ~1,000,000 prefixes needs room for two; LPM tries are never preallocated, unused capacity costs
     * nothing); 1,024 /24 chunks (the object's); 65,536 IPv6 blocks (the object's).
     */
    public static final MapCapacities DEFAULT = perSlot(DEFAULT_HOSTS_PER_SLOT, DEFAULT_PREFIXES_PER_SLOT,
            DEFAULT_CHUNKS_PER_SLOT, DEFAULT_IPV6_BLOCKS_PER_SLOT);
    /** Every map as the object declares it. */
    public static final MapCapacities OBJECT = new MapCapacities(0, 0, 0, 0, 0);

    public MapCapacities {
        if (hosts < 0 || lpm4 < 0 || lpm6 < 0 || chunksPerSlot < 0 || ipv6Blocks < 0) {
            throw new IllegalArgumentException("negative map capacity");
        }
        if (ipv6Blocks / Abi.SLOTS > Abi.DIR6_MAX_BLOCKS) {
            throw new IllegalArgumentException("at most " + Abi.DIR6_MAX_BLOCKS + " IPv6 blocks per slot, not "
                    + ipv6Blocks / Abi.SLOTS);
        }
        if (chunksPerSlot > Abi.DIR24_MAX_CHUNKS) {
            throw new IllegalArgumentException("at most " + Abi.DIR24_MAX_CHUNKS + " /24 chunks per slot (one per /16), not "
                    + chunksPerSlot);
        }
    }

    /**
     * Capacities as a user configures them (agent settings, standalone options): per slot, each at least 1 (a 0 would
     * silently keep the object's size, which for the host hash is far bigger than the default).
     */
    public static MapCapacities configured(int hostsPerSlot, int prefixesPerSlot, int chunksPerSlot,
            int ipv6BlocksPerSlot) {
        atLeastOne("host entries", hostsPerSlot);
        atLeastOne("LPM entries", prefixesPerSlot);
        atLeastOne("IPv4 chunks", chunksPerSlot);
        atLeastOne("IPv6 blocks", ipv6BlocksPerSlot);
        return perSlot(hostsPerSlot, prefixesPerSlot, chunksPerSlot, ipv6BlocksPerSlot);
    }

    private static void atLeastOne(String what, int perSlot) {
        if (perSlot < 1) {
            throw new IllegalArgumentException(what + " per slot must be at least 1, not " + perSlot);
        }
    }

    /**
     * Capacities given per slot, as the agent's configuration states them (a slot is one rule set; the maps hold
     * two). 0 keeps the object's size.
     *
     * @param hostsPerSlot   exact addresses per address dimension
     * @param prefixesPerSlot LPM prefixes per address dimension and family
     * @param chunksPerSlot  IPv4 /24 chunks per address dimension
     * @param ipv6BlocksPerSlot IPv6 /32 and /48 entries per address dimension
     */
    public static MapCapacities perSlot(int hostsPerSlot, int prefixesPerSlot, int chunksPerSlot, int ipv6BlocksPerSlot) {
        return new MapCapacities(Math.multiplyExact(hostsPerSlot, Abi.SLOTS), Math.multiplyExact(prefixesPerSlot, Abi.SLOTS),
                Math.multiplyExact(prefixesPerSlot, Abi.SLOTS), chunksPerSlot, Math.multiplyExact(ipv6BlocksPerSlot, Abi.SLOTS));
    }

    /** Applies the sizes to an opened, not yet loaded object. */
    void applyTo(BpfObjectFile object) {
        if (hosts > 0) {
            object.setMaxEntries("xg_src_host", hosts);
            object.setMaxEntries("xg_dst_host", hosts);
        }
        if (lpm4 > 0) {
            object.setMaxEntries("xg_src4", lpm4);
            object.setMaxEntries("xg_dst4", lpm4);
        }
        if (lpm6 > 0) {
            object.setMaxEntries("xg_src6", lpm6);
            object.setMaxEntries("xg_dst6", lpm6);
        }
        if (ipv6Blocks > 0) {
            int buckets = Abi.SLOTS << Dir6Table.bucketBits(ipv6Blocks / Abi.SLOTS);
            object.setMaxEntries("xg_src6_dir", buckets);
            object.setMaxEntries("xg_dst6_dir", buckets);
        }
        if (chunksPerSlot > 0) {
            // the maps and the program's bound must agree: a chunk index is checked against the constant, and a slot's
            // chunks start at slot * chunks
            object.setMaxEntries("xg_src4_dir24", Abi.SLOTS * chunksPerSlot);
            object.setMaxEntries("xg_dst4_dir24", Abi.SLOTS * chunksPerSlot);
            object.setInitialValue(DIR24_CHUNKS_SECTION,
                    ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(chunksPerSlot).array());
        }
    }

    /** Host entries one slot may use per address dimension, given the host maps' max_entries. */
    static int hostsPerSlot(int hostMapEntries) {
        return hostMapEntries / Abi.SLOTS;
    }

    /**
     * IPv6 /32 and /48 entries one slot may use per address dimension, given the dir6 tables' max_entries (buckets,
     * a power of two per slot).
     */
    static int ipv6BlocksPerSlot(int dir6MapEntries) {
        return Dir6Table.capacity(Integer.numberOfTrailingZeros(dir6MapEntries / Abi.SLOTS));
    }

    /** /24 chunks one slot holds per address dimension, given the dir24 maps' max_entries (a chunk an entry). */
    static int chunksPerSlot(int dir24MapEntries) {
        return dir24MapEntries / Abi.SLOTS;
    }

    @Override
    public String toString() {
        return "hosts=" + hosts + ",lpm4=" + lpm4 + ",lpm6=" + lpm6 + ",chunks=" + chunksPerSlot + ",ipv6_blocks=" + ipv6Blocks;
    }
}
