package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.compile.Abi;
import io.xdpguard.agent.dataplane.libbpf.BpfObjectFile;

/**
 * Map sizes set before load ({@code bpf_map__set_max_entries}). The object's defaults size the host hashes for
 * 2.2M entries, which costs ~64 MiB of bucket memory per map and interface even without preallocation; the agent
 * loads them smaller and the compiler sends exact addresses beyond a slot's share to the LPM tries instead.
 *
 * @param hosts entries of xg_src_host and xg_dst_host each (both slots together); 0 keeps the object's size
 * @param lpm4  entries of xg_src4 and xg_dst4 each; 0 keeps the object's size
 * @param lpm6  entries of xg_src6 and xg_dst6 each; 0 keeps the object's size
 */
public record MapCapacities(int hosts, int lpm4, int lpm6) {
    /**
     * Hosts 131072 (65536 per slot); LPM tries as compiled, 2,200,000 each: both slots share a trie, and a change
     * writes the new set into the inactive slot while the old one is still in force, so a rule set of ~1,000,000
     * prefixes needs room for two. LPM tries are never preallocated: unused capacity costs nothing.
     */
    public static final MapCapacities DEFAULT = new MapCapacities(131_072, 0, 0);
    /** Every map as the object declares it. */
    public static final MapCapacities OBJECT = new MapCapacities(0, 0, 0);

    public MapCapacities {
        if (hosts < 0 || lpm4 < 0 || lpm6 < 0) {
            throw new IllegalArgumentException("negative map capacity");
        }
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
    }

    /** Host entries one slot may use per address dimension, given the host maps' max_entries. */
    static int hostsPerSlot(int hostMapEntries) {
        return hostMapEntries / Abi.SLOTS;
    }
}
