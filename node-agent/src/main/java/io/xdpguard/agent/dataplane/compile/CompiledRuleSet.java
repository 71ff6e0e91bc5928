package io.xdpguard.agent.dataplane.compile;

import java.util.List;

/**
 * The exact contents of one slot of the classifier maps for one rule set (slot-local indices; the writer adds the
 * slot offsets and keys). Pure data: computing it touches no kernel.
 *
 * @param dimsUsed   bit (1 << Abi.DIM_*) for each dimension some rule constrains
 * @param defaultVec per dimension, the vector for a lookup that misses
 * @param catchAll   the first rule that constrains no dimension, or -1
 * @param enforcedVec with Audit rules in the set, the vector of the rules that are not (no candidates): searched
 *                   with a packet's vectors when its first match is an Audit rule, for the verdict; -1 without
 * @param catchAllEnforced the first non-Audit rule that constrains no dimension, or -1
 * @param l4         per L4 class, per value (L4 key class * 65536 + value), the vector id; a class's array is
 *                   shared with the previous compile when unchanged
 * @param l4SportDefault parallel to {@code l4}: the vector id of that L4 vector ANDed with the source-port default
 *                   vector, what the kernel searches instead of both when no rule names the packet's source port
 *                   (struct xg_l4_entry); shared with the previous compile when unchanged
 * @param sport      per source-port key, the vector id
 * @param src4Direct the IPv4 direct tables in front of the source LPM trie
 * @param dst4Direct the same for the destination
 * @param src6Direct the IPv6 direct stage in front of the source LPM trie
 * @param dst6Direct the same for the destination
 * @param addresses  the address dimensions (also in the fields above), for the next compile to reuse
 */
public record CompiledRuleSet(
        List<CompiledRule> rules,
        int dimsUsed,
        int defaultAction,
        int[] defaultVec,
        int catchAll,
        int enforcedVec,
        int catchAllEnforced,
        VectorTable.Layout vectors,
        PrefixTable src4,
        PrefixTable src6,
        PrefixTable srcHosts,
        PrefixTable dst4,
        PrefixTable dst6,
        PrefixTable dstHosts,
        int[][] l4,
        int[][] l4SportDefault,
        int[] sport,
        Ipv4Direct src4Direct,
        Ipv4Direct dst4Direct,
        Ipv6Direct src6Direct,
        Ipv6Direct dst6Direct,
        RuleCompiler.AddressDimensions addresses) {

    public int ruleCount() {
        return rules.size();
    }

    public int vectorCount() {
        return vectors.summary0().length;
    }

    /** Address entries (LPM and host) over all tables: what counts against map capacity. */
    public long addressEntries() {
        return (long) src4.size() + src6.size() + srcHosts.size() + dst4.size() + dst6.size() + dstHosts.size();
    }
}
