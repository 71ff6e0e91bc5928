package io.xdpguard.agent.dataplane.compile;

import io.xdpguard.agent.dataplane.packet.ParsedPacket;
import java.util.Arrays;

/**
 * Reads a compiled rule set the way the XDP program reads its maps (longest prefix, then host hash, then the
 * sparse vectors ANDed word by word over the candidate words), so the compiler can be checked against the reference without a kernel.
 */
final class CompiledLookup {
    private CompiledLookup() {
    }

    /**
     * The winning rule index, or -1. As the XDP program: when the first match is an Audit rule, the verdict's rule is
     * searched again with the enforced-rules vector added.
     */
    static int winner(CompiledRuleSet c, ParsedPacket p) {
        if (c.dimsUsed() == 0) {
            return audit(c, c.catchAll()) ? c.catchAllEnforced() : c.catchAll();
        }
        int[] vecs = new int[Abi.DIMS + 1];
        int used = 0;
        if ((c.dimsUsed() & (1 << Abi.DIM_SRC)) != 0) {
            vecs[used++] = address(c.srcHosts(), p.family() == 4 ? c.src4() : c.src6(), c.src4Direct(), c.src6Direct(),
                    p.source(), p.family(), c.defaultVec()[Abi.DIM_SRC]);
        }
        if ((c.dimsUsed() & (1 << Abi.DIM_DST)) != 0) {
            vecs[used++] = address(c.dstHosts(), p.family() == 4 ? c.dst4() : c.dst6(), c.dst4Direct(), c.dst6Direct(),
                    p.destination(), p.family(), c.defaultVec()[Abi.DIM_DST]);
        }
        // as xg_classify: source port first; when it gives the default vector (or no rule names source ports), the L4
        // entry's pre-ANDed vector alone, or the rule it names
        int sport = (c.dimsUsed() & (1 << Abi.DIM_SPORT)) != 0 ? c.sport()[p.sportIndex()] : -1;
        if ((c.dimsUsed() & (1 << Abi.DIM_L4)) != 0) {
            int cls = p.l4Index() >> 16;
            int value = p.l4Index() & 0xffff;
            if (sport < 0 || sport == c.defaultVec()[Abi.DIM_SPORT]) {
                int anded = c.l4SportDefault()[cls][value];
                if (c.vectors().decides()[anded] >= 0) {
                    return c.vectors().decides()[anded];
                }
                vecs[used++] = anded;
                sport = -1;
            } else {
                vecs[used++] = c.l4()[cls][value];
            }
        }
        if (sport >= 0) {
            vecs[used++] = sport;
        }
        int first = search(c, vecs, used, c.catchAll());
        if (!audit(c, first)) {
            return first;
        }
        vecs[used] = c.enforcedVec();
        return search(c, vecs, used + 1, c.catchAllEnforced());
    }

    private static boolean audit(CompiledRuleSet c, int rule) {
        return rule >= 0 && (c.rules().get(rule).flags() & Abi.RULE_AUDIT) != 0;
    }

    /** The lowest rule in every one of vecs[0..used), visiting the candidate words (and catchAll's) only. */
    private static int search(CompiledRuleSet c, int[] vecs, int used, int catchAll) {
        VectorTable.Layout v = c.vectors();
        for (int half = 0; half < 2; half++) {
            // only words holding some vector's candidate rule, or the catch-all rule, are searched
            long candidates = 0;
            if (catchAll >= 0 && catchAll / 4096 == half) {
                candidates |= 1L << (catchAll / 64 % 64);
            }
            long shared = -1L;
            for (int d = 0; d < used; d++) {
                candidates |= half == 0 ? v.candidates0()[vecs[d]] : v.candidates1()[vecs[d]];
                shared &= half == 0 ? v.summary0()[vecs[d]] : v.summary1()[vecs[d]];
            }
            candidates &= shared;
            while (candidates != 0) {
                int w = Long.numberOfTrailingZeros(candidates);
                long word = -1L;
                for (int d = 0; d < used; d++) {
                    long own = half == 0 ? v.summary0()[vecs[d]] : v.summary1()[vecs[d]];
                    int base = half == 0 ? v.wordsBase0()[vecs[d]] : v.wordsBase1()[vecs[d]];
                    word &= v.words()[base + Long.bitCount(own & ((1L << w) - 1))];
                }
                if (word != 0) {
                    return (half * 64 + w) * 64 + Long.numberOfTrailingZeros(word);
                }
                candidates &= candidates - 1;
            }
        }
        return -1;
    }

    /**
     * The direct stage first (IPv4: the /16 table and the /24 chunks, IPv6: the /32 and /48 hash; kernel reads
     * modelled by {@link Ipv4Direct#lookup} and {@link Ipv6Direct#lookup}), which answers unless a longer prefix lies
     * inside; then the longest prefix; the host table only under an answer flagged HOSTS_INSIDE (or without any
     * prefix).
     */
    private static int address(PrefixTable hosts, PrefixTable lpm, Ipv4Direct direct4, Ipv6Direct direct6,
            byte[] mapped, int family, int fallback) {
        byte[] address = family == 4 ? Arrays.copyOfRange(mapped, 12, 16) : mapped;
        int entry = family == 4 ? direct4.lookup(java.nio.ByteBuffer.wrap(address).getInt()) : direct6.lookup(address);
        int found = (entry & Abi.DIR_FINAL) != 0 ? entry : -1;
        if (found == -1) {
            int bestLength = -1;
            for (int i = 0; i < lpm.size(); i++) {
                if (lpm.length(i) > bestLength && prefixMatches(lpm.address(i), lpm.length(i), address)) {
                    found = lpm.value(i);
                    bestLength = lpm.length(i);
                }
            }
        }
        if (found == -1 || (found & Abi.HOSTS_INSIDE) != 0) {
            for (int i = 0; i < hosts.size(); i++) {
                if (Arrays.equals(hosts.address(i), mapped) && hosts.isIpv6Host(i) == (family == 6)) {
                    return hosts.vector(i);
                }
            }
        }
        return found == -1 ? fallback : found & Abi.VEC_MASK;
    }

    /** The first {@code length} bits of {@code prefix} and {@code address} are equal. */
    static boolean prefixMatches(byte[] prefix, int length, byte[] address) {
        for (int bit = 0; bit < length; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((prefix[bit / 8] & mask) != (address[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }
}
