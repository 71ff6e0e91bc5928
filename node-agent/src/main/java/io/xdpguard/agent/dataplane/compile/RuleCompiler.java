package io.xdpguard.agent.dataplane.compile;

import io.xdpguard.agent.dataplane.rules.AddressMatch;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.rules.RuleSetException;
import io.xdpguard.api.v1alpha1.spec.CompactCidrList;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.validation.Ports;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Compiles a rule set into the classifier's map contents ("Linear Bit Vector Search"): per dimension, every key the
 * kernel can look up maps to the vector of rules that match that key; the kernel ANDs one vector per dimension and
 * takes the lowest set bit, searching only the words that the vectors' candidate summaries flag (see
 * {@link #primaryDimension}). Pure: no kernel involved.
 */
public final class RuleCompiler {
    private static final int FULL = 65535;
    private static final byte[] IPV4_MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

    private RuleCompiler() {
    }

    /**
     * @param counterIds the stable counter id of each rule, parallel to {@code ruleSet.rules()}
     */
    public static CompiledRuleSet compile(RuleSet ruleSet, int[] counterIds) throws RuleSetException {
        return compile(ruleSet, counterIds, SlotCapacity.UNLIMITED_HOSTS, null);
    }

    /**
     * @param hostCapacity host-hash entries one slot may use per address dimension (the map's max_entries / slots);
     *                     exact-address entries beyond it go to the LPM tries as full-length prefixes, which the
     *                     kernel's trie lookup then finds with the same vector
     */
    public static CompiledRuleSet compile(RuleSet ruleSet, int[] counterIds, int hostCapacity) throws RuleSetException {
        return compile(ruleSet, counterIds, SlotCapacity.hosts(hostCapacity), null);
    }

    /** Like {@link #compile(RuleSet, int[], SlotCapacity, CompiledRuleSet)} with unlimited host entries. */
    public static CompiledRuleSet compile(RuleSet ruleSet, int[] counterIds, CompiledRuleSet previous)
            throws RuleSetException {
        return compile(ruleSet, counterIds, SlotCapacity.UNLIMITED_HOSTS, previous);
    }

    /**
     * Compiles {@code ruleSet} for maps of {@code capacity}, reusing {@code previous}'s address dimensions when every
     * rule's source and destination lists (and the capacity) are the same (see {@link AddressDimensions}); the result
     * is identical either way.
     *
     * @param capacity what one slot of the target maps holds (hosts: the rest go to the tries; /24 chunks and IPv6
     *                 blocks: the /16s and /32s beyond them are left to the tries)
     * @param previous an earlier result (of any rule set), or null
     */
    public static CompiledRuleSet compile(RuleSet ruleSet, int[] counterIds, SlotCapacity capacity,
            CompiledRuleSet previous) throws RuleSetException {
        List<MatchRule> rules = ruleSet.rules();
        if (counterIds.length != rules.size()) {
            throw new IllegalArgumentException("one counter id per rule is needed");
        }
        if (rules.size() > Abi.MAX_RULES) {
            throw new RuleSetException(null, rules.size() + " rules exceed the dataplane's " + Abi.MAX_RULES);
        }
        AddressDimensions addresses = previous == null ? null : previous.addresses();
        if (addresses == null || !addresses.compiledFrom(rules, capacity)) {
            addresses = compileAddressDimensions(rules, capacity);
        } else {
            addresses = addresses.holding(rules);
        }
        // Continue from the address dimensions' vectors: their ids are what the prefix tables hold.
        VectorTable vectors = VectorTable.copyOf(addresses.vectors());
        BitSet[] primary = primaryRules(rules);

        int[] defaultVec = new int[Abi.DIMS];
        defaultVec[Abi.DIM_SRC] = addresses.srcDefault();
        defaultVec[Abi.DIM_DST] = addresses.dstDefault();
        PrefixTable src4 = addresses.src4();
        PrefixTable src6 = addresses.src6();
        PrefixTable srcHosts = addresses.srcHosts();
        PrefixTable dst4 = addresses.dst4();
        PrefixTable dst6 = addresses.dst6();
        PrefixTable dstHosts = addresses.dstHosts();

        // Source ports before L4: vector ids are given in order of first use, so a change of the L4 vectors (any port
        // rule) then leaves the source-port table's ids, and its 196,609 entries in the kernel, as they are.
        int[] sport = new int[Abi.SPORT_ENTRIES];
        for (int c = Abi.L4_TCP; c <= Abi.L4_SCTP; c++) {
            int cls = c;
            sweep(rules, r -> sportRanges(r, cls), bits -> vectors.intern(bits, primary[Abi.DIM_SPORT]), sport, c * 65536);
        }
        BitSet noSourcePorts = new BitSet();
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i).sourcePorts().isEmpty()) {
                noSourcePorts.set(i);
            }
        }
        sport[Abi.SPORT_NONE] = vectors.intern(noSourcePorts, primary[Abi.DIM_SPORT]);
        defaultVec[Abi.DIM_SPORT] = sport[Abi.SPORT_NONE];

        // Beside each L4 vector, its AND with the source-port default (struct xg_l4_entry): what a packet whose source
        // port no rule names searches instead of the two. Interned right after the L4 vector it comes from, so that
        // its id moves when and as far as that one's does, and a one-rule change rewrites the same L4 entries as
        // without it. Its candidates are its L4-primary rules: the default source-port vector has none, and a rule
        // primary in source port names source ports, so it is not in the AND (nor can it match such a packet).
        Map<Integer, Integer> sportDefaultAnd = new HashMap<>();
        ToIntFunction<BitSet> internL4 = bits -> {
            int id = vectors.intern(bits, primary[Abi.DIM_L4]);
            sportDefaultAnd.computeIfAbsent(id, l4Id -> {
                BitSet both = (BitSet) bits.clone();
                both.and(noSourcePorts);
                return vectors.intern(both, primary[Abi.DIM_L4]);
            });
            return id;
        };

        // One array per class, the previous compile's where equal: a change to a TCP rule allocates (and keeps) one
        // class's 256 KiB, not all seven.
        int[][] l4 = new int[Abi.L4_CLASSES][];
        int[][] l4SportDefault = new int[Abi.L4_CLASSES][];
        int[] scratch = new int[65536];
        for (int c = 0; c < Abi.L4_CLASSES; c++) {
            int cls = c;
            sweep(rules, r -> l4Ranges(r, cls), internL4, scratch, 0);
            int[] before = previous == null ? null : previous.l4()[c];
            l4[c] = Arrays.equals(scratch, before) ? before : scratch.clone();
            mapRuns(l4[c], sportDefaultAnd, scratch);
            before = previous == null ? null : previous.l4SportDefault()[c];
            l4SportDefault[c] = Arrays.equals(scratch, before) ? before : scratch.clone();
        }
        defaultVec[Abi.DIM_L4] = l4[Abi.L4_OTHER][0];

        // Interned last, so that adding or removing the first Audit rule moves no other vector's id.
        BitSet enforced = new BitSet();
        for (int i = 0; i < rules.size(); i++) {
            if (!rules.get(i).audit()) {
                enforced.set(i);
            }
        }
        int enforcedVec = enforced.cardinality() == rules.size() ? -1 : vectors.intern(enforced, new BitSet());

        if (vectors.size() > Abi.MAX_VECTORS) {
            throw new RuleSetException(null, "the rule set needs " + vectors.size() + " distinct rule vectors, more than the "
                    + Abi.MAX_VECTORS + " the dataplane holds; merge CIDR lists used by different rules");
        }
        // A vector's lowest rule decides a packet left with that vector alone when no address can exclude it.
        BitSet addressFree = new BitSet();
        for (int i = 0; i < rules.size(); i++) {
            MatchRule r = rules.get(i);
            if (r.sources().any() && r.destinations().any() && !r.audit()) {
                addressFree.set(i);
            }
        }
        VectorTable.Layout layout = vectors.layout(addressFree);
        if (layout.wordCount() > Abi.MAX_WORDS) {
            throw new RuleSetException(null, "the rule set needs " + layout.wordCount() + " vector words, more than the "
                    + Abi.MAX_WORDS + " the dataplane holds");
        }
        // The same array object when unchanged: the slot writer then skips it, and the agent keeps one copy.
        if (previous != null && Arrays.equals(sport, previous.sport())) {
            sport = previous.sport();
        }
        return new CompiledRuleSet(compileRules(rules, counterIds), dimsUsed(rules), defaultAction(ruleSet), defaultVec,
                catchAll(rules, false), enforcedVec, catchAll(rules, true), layout, src4, src6, srcHosts, dst4, dst6,
                dstHosts, l4, l4SportDefault, sport,
                addresses.src4Direct(), addresses.dst4Direct(), addresses.src6Direct(), addresses.dst6Direct(),
                addresses);
    }

    /**
     * The dimension whose vectors flag rule {@code r} as a search candidate: the first it constrains of source,
     * destination, destination port or ICMP type, source port, protocol; -1 when it constrains none. The kernel
     * searches only words holding some vector's candidates (and the {@link #catchAll} rule's word): a matching rule
     * is in the vector of each dimension it constrains, so in particular in its primary one's candidates. The order
     * puts the usually most selective condition first, so that a packet's candidate words stay few even when many
     * rules share its port or have no source condition (a dense AND of vectors without a common rule).
     */
    static int primaryDimension(MatchRule r) {
        if (!r.sources().any()) {
            return Abi.DIM_SRC;
        }
        if (!r.destinations().any()) {
            return Abi.DIM_DST;
        }
        if (!r.ports().isEmpty() || !r.icmpTypes().isEmpty()) {
            return Abi.DIM_L4;
        }
        if (!r.sourcePorts().isEmpty()) {
            return Abi.DIM_SPORT;
        }
        return r.protocol() != Protocol.Any ? Abi.DIM_L4 : -1;
    }

    /** Per dimension, the rules whose {@link #primaryDimension} it is. */
    private static BitSet[] primaryRules(List<MatchRule> rules) {
        BitSet[] out = new BitSet[Abi.DIMS];
        for (int d = 0; d < Abi.DIMS; d++) {
            out[d] = new BitSet();
        }
        for (int i = 0; i < rules.size(); i++) {
            int d = primaryDimension(rules.get(i));
            if (d >= 0) {
                out[d].set(i);
            }
        }
        return out;
    }

    /**
     * The first rule that constrains no dimension (it matches every packet), or -1 (XG_NO_RULE); with
     * {@code enforcedOnly}, the first such rule that is not an Audit rule.
     */
    private static int catchAll(List<MatchRule> rules, boolean enforcedOnly) {
        for (int i = 0; i < rules.size(); i++) {
            if (primaryDimension(rules.get(i)) < 0 && !(enforcedOnly && rules.get(i).audit())) {
                return i;
            }
        }
        return -1;
    }

    private static List<CompiledRule> compileRules(List<MatchRule> rules, int[] counterIds) {
        Map<String, Integer> filterIndex = new LinkedHashMap<>();
        List<CompiledRule> out = new ArrayList<>(rules.size());
        for (int i = 0; i < rules.size(); i++) {
            MatchRule r = rules.get(i);
            int flags = (r.audit() ? Abi.RULE_AUDIT : 0) | (r.failsafe() ? Abi.RULE_FAILSAFE : 0)
                    | (r.perSource() ? Abi.RULE_RL_PER_SOURCE : 0);
            int action = switch (r.action()) {
                case Pass -> Abi.ACT_PASS;
                case Drop -> Abi.ACT_DROP;
                case RateLimit -> Abi.ACT_RATE_LIMIT;
            };
            int filter = filterIndex.computeIfAbsent(r.filter(), f -> filterIndex.size());
            out.add(new CompiledRule(counterIds[i], action, flags, filter, r.sampleRate(), r.ratePps(), r.rateBurst()));
        }
        return out;
    }

    private static int dimsUsed(List<MatchRule> rules) {
        int used = 0;
        for (MatchRule r : rules) {
            if (!r.sources().any()) {
                used |= 1 << Abi.DIM_SRC;
            }
            if (!r.destinations().any()) {
                used |= 1 << Abi.DIM_DST;
            }
            if (r.protocol() != Protocol.Any) {
                used |= 1 << Abi.DIM_L4;
            }
            if (!r.sourcePorts().isEmpty()) {
                used |= 1 << Abi.DIM_SPORT;
            }
        }
        return used;
    }

    private static int defaultAction(RuleSet ruleSet) {
        return switch (ruleSet.defaultVerdict()) {
            case PASS -> Abi.DEFAULT_PASS;
            case DROP -> Abi.DEFAULT_DROP;
            case AUDIT_DROP -> Abi.DEFAULT_AUDIT_DROP;
        };
    }

    // ---- address dimensions -------------------------------------------------------------------------------------

    /**
     * The source and destination dimensions of a rule set: vectors 0.. (every vector the address walk interned, in id
     * order), the default vectors and the prefix tables. They depend only on the rule count and each rule's address
     * lists (which also decide the rules primary in these dimensions), so a change elsewhere (ports, actions, ...) reuses them:
     * with a 1,000,000-CIDR blocklist, recompiling it costs seconds while the rule change needs milliseconds, and
     * the writer skips prefix tables that are the very objects a slot already holds. Immutable once built.
     */
    public record AddressDimensions(int ruleCount, SlotCapacity capacity, List<AddressMatch> sources, List<AddressMatch> destinations,
            List<VectorTable.Vector> vectors, int srcDefault, int dstDefault, PrefixTable src4, PrefixTable src6,
            PrefixTable srcHosts, PrefixTable dst4, PrefixTable dst6, PrefixTable dstHosts, Ipv4Direct src4Direct,
            Ipv4Direct dst4Direct, Ipv6Direct src6Direct, Ipv6Direct dst6Direct) {

        /** Whether {@code rules} have exactly the address lists these were compiled from. */
        boolean compiledFrom(List<MatchRule> rules, SlotCapacity slotCapacity) {
            if (rules.size() != ruleCount || !slotCapacity.equals(capacity)) {
                return false;
            }
            for (int i = 0; i < ruleCount; i++) {
                if (!same(sources.get(i), rules.get(i).sources()) || !same(destinations.get(i), rules.get(i).destinations())) {
                    return false;
                }
            }
            return true;
        }

        /**
         * These dimensions holding {@code rules}' own address lists (which {@link #compiledFrom} found equal): a CIDR
         * set delivered again as a new object must not leave its previous, equal copy alive here (~6 MB per million
         * prefixes). The tables are shared, so the writer still sees the very objects a slot holds.
         */
        AddressDimensions holding(List<MatchRule> rules) {
            for (int i = 0; i < ruleCount; i++) {
                if (sources.get(i) != rules.get(i).sources() || destinations.get(i) != rules.get(i).destinations()) {
                    return new AddressDimensions(ruleCount, capacity, rules.stream().map(MatchRule::sources).toList(),
                            rules.stream().map(MatchRule::destinations).toList(), vectors, srcDefault, dstDefault,
                            src4, src6, srcHosts, dst4, dst6, dstHosts, src4Direct, dst4Direct, src6Direct, dst6Direct);
                }
            }
            return this;
        }

        /** Identity first: an unchanged CIDR set is usually the same object, and equals over 1M prefixes costs. */
        private static boolean same(AddressMatch a, AddressMatch b) {
            return a == b || a.equals(b);
        }
    }

    private static AddressDimensions compileAddressDimensions(List<MatchRule> rules, SlotCapacity capacity) {
        int hostCapacity = capacity.hosts();
        VectorTable vectors = new VectorTable();
        BitSet[] primary = primaryRules(rules);
        PrefixTable src4 = new PrefixTable(4);
        PrefixTable src6 = new PrefixTable(16);
        PrefixTable srcHosts = new PrefixTable(16);
        int srcDefault = compileAddresses(rules, MatchRule::sources, vectors, primary[Abi.DIM_SRC], src4, src6, srcHosts,
                hostCapacity);
        PrefixTable dst4 = new PrefixTable(4);
        PrefixTable dst6 = new PrefixTable(16);
        PrefixTable dstHosts = new PrefixTable(16);
        int dstDefault = compileAddresses(rules, MatchRule::destinations, vectors, primary[Abi.DIM_DST], dst4, dst6,
                dstHosts, hostCapacity);
        for (PrefixTable table : List.of(src4, src6, srcHosts, dst4, dst6, dstHosts)) {
            table.trim();
        }
        return new AddressDimensions(rules.size(), capacity, rules.stream().map(MatchRule::sources).toList(),
                rules.stream().map(MatchRule::destinations).toList(), vectors.vectors(), srcDefault, dstDefault,
                src4, src6, srcHosts, dst4, dst6, dstHosts, Ipv4Direct.build(src4, srcHosts, capacity.chunks()),
                Ipv4Direct.build(dst4, dstHosts, capacity.chunks()), Ipv6Direct.build(src6, srcHosts, capacity.ipv6Blocks()),
                Ipv6Direct.build(dst6, dstHosts, capacity.ipv6Blocks()));
    }

    /** A prefix named by one rule, as raw bytes. */
    private record Prefix(byte[] address, int length, int rule) {
    }

    /** Collects one rule's prefixes: IPv4 packed into longs (see compileAddresses), IPv6 as {@link Prefix}es. */
    private static final class PrefixCollector implements CompactCidrList.PrefixVisitor {
        private final long[] packed4;
        private final List<Prefix> v6;
        private int count4;
        private int rule;

        PrefixCollector(long[] packed4, List<Prefix> v6) {
            this.packed4 = packed4;
            this.v6 = v6;
        }

        @Override
        public void ipv4(int address, int length) {
            packed4[count4++] = ((address & 0xffffffffL) << 19) | ((long) length << 13) | rule;
        }

        @Override
        public void ipv6(byte[] address, int offset, int length) {
            v6.add(new Prefix(Arrays.copyOfRange(address, offset, offset + 16), length, rule));
        }
    }

    /** Parent vector and the rules naming a prefix directly → the prefix's vector; most prefixes share a few. */
    private record Derivation(int parent, BitSet direct) {
    }

    /**
     * Fills the LPM and host tables of one address dimension and returns the vector of the rules that do not
     * constrain it (what an address outside every prefix matches). A prefix's vector holds the rules naming it or
     * any prefix containing it, so that the longest match alone decides.
     */
    private static int compileAddresses(List<MatchRule> rules, Function<MatchRule, AddressMatch> dimension,
            VectorTable vectors, BitSet primary, PrefixTable lpm4, PrefixTable lpm6, PrefixTable hosts, int hostCapacity) {
        BitSet anyRules = new BitSet();
        // IPv4 prefixes packed as address(32) | length(6) | rule(13 bits: < MAX_RULES): sorting a long[] is many
        // times faster than sorting a million Prefix objects by byte-array comparisons (most of a 1M-CIDR load).
        int total4 = 0;
        int total6 = 0;
        for (MatchRule rule : rules) {
            AddressMatch match = dimension.apply(rule);
            total4 += match.ipv4Count();
            total6 += match.ipv6Count();
        }
        lpm4.reserve(total4 + 1);
        lpm6.reserve(total6 + 1);
        hosts.reserve(Math.min(hostCapacity, total4 + total6));
        long[] packed4 = new long[total4];
        List<Prefix> v6 = new ArrayList<>(total6);
        PrefixCollector collector = new PrefixCollector(packed4, v6);
        for (int i = 0; i < rules.size(); i++) {
            AddressMatch match = dimension.apply(rules.get(i));
            if (match.any()) {
                anyRules.set(i);
                continue;
            }
            collector.rule = i;
            match.forEachPrefix(collector);
        }
        int count4 = collector.count4;
        Arrays.sort(packed4, 0, count4); // same order as the comparator below: address, then length (then rule)
        List<Prefix> v4 = new ArrayList<>(count4);
        for (int k = 0; k < count4; k++) {
            long p = packed4[k];
            int address = (int) (p >>> 19);
            byte[] bytes = {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
            v4.add(new Prefix(bytes, (int) (p >>> 13) & 0x3f, (int) p & 0x1fff));
        }
        v6.sort((a, b) -> {
            int c = Arrays.compareUnsigned(a.address(), b.address());
            return c != 0 ? c : Integer.compare(a.length(), b.length());
        });
        int anyVec = vectors.intern(anyRules, primary);
        walk(v4, 4, anyRules, vectors, primary, lpm4, hosts, hostCapacity);
        walk(v6, 16, anyRules, vectors, primary, lpm6, hosts, hostCapacity);
        return anyVec;
    }

    /** @param prefixes sorted by address (unsigned), then length */
    private static void walk(List<Prefix> prefixes, int width, BitSet anyRules, VectorTable vectors, BitSet primary,
            PrefixTable lpm, PrefixTable hosts, int hostCapacity) {
        Map<Derivation, Integer> derived = new HashMap<>();
        int depth = 0;
        byte[][] stackAddress = new byte[width * 8 + 2][];
        int[] stackLength = new int[width * 8 + 2];
        int[] stackVector = new int[width * 8 + 2];
        int[] stackEntry = new int[width * 8 + 2]; // index in lpm

        BitSet rootDirect = new BitSet();
        int i = 0;
        while (i < prefixes.size() && prefixes.get(i).length() == 0) {
            rootDirect.set(prefixes.get(i++).rule());
        }
        BitSet root = (BitSet) anyRules.clone();
        root.or(rootDirect);
        stackAddress[0] = new byte[width];
        stackLength[0] = 0;
        stackVector[0] = vectors.intern(root, primary);
        stackEntry[0] = lpm.size();
        lpm.add(stackAddress[0], 0, stackVector[0]);

        int lastParent = -1;
        BitSet lastDirect = null;
        int lastVector = -1;
        while (i < prefixes.size()) {
            Prefix first = prefixes.get(i);
            BitSet direct = new BitSet();
            while (i < prefixes.size() && prefixes.get(i).length() == first.length()
                    && Arrays.equals(prefixes.get(i).address(), first.address())) {
                direct.set(prefixes.get(i++).rule());
            }
            while (!contains(stackAddress[depth], stackLength[depth], first.address())) {
                depth--;
            }
            int parent = stackVector[depth];
            int vector;
            if (parent == lastParent && direct.equals(lastDirect)) {
                // A blocklist's prefixes are mostly siblings named by the same rule: skip hashing a Derivation
                // (and its BitSet) per prefix, which dominated compiling 1,000,000 CIDRs.
                vector = lastVector;
            } else {
                vector = derived.computeIfAbsent(new Derivation(parent, direct), d -> {
                    BitSet bits = (BitSet) vectors.bits(d.parent()).clone();
                    bits.or(d.direct());
                    return vectors.intern(bits, primary);
                });
                lastParent = parent;
                lastDirect = direct;
                lastVector = vector;
            }
            if (first.length() == width * 8 && hosts.size() < hostCapacity) {
                if (width == 4) {
                    hosts.addIpv4Mapped(first.address(), vector);
                } else {
                    hosts.add(first.address(), 128, vector);
                }
                // the kernel consults the host table only under a prefix flagged so
                lpm.markHostsInside(stackEntry[depth]);
            } else {
                depth++;
                stackAddress[depth] = first.address();
                stackLength[depth] = first.length();
                stackVector[depth] = vector;
                stackEntry[depth] = lpm.size();
                lpm.add(first.address(), first.length(), vector);
            }
        }
    }

    private static boolean contains(byte[] prefix, int length, byte[] address) {
        int full = length / 8;
        for (int b = 0; b < full; b++) {
            if (prefix[b] != address[b]) {
                return false;
            }
        }
        int rest = length % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (prefix[full] & mask) == (address[full] & mask);
    }

    /** The IPv4-mapped IPv6 form ::ffff:a.b.c.d the kernel's host maps use for IPv4. */
    public static byte[] ipv4Mapped(byte[] ipv4) {
        byte[] mapped = Arrays.copyOf(IPV4_MAPPED_PREFIX, 16);
        System.arraycopy(ipv4, 0, mapped, 12, 4);
        return mapped;
    }

    // ---- port and protocol dimensions ---------------------------------------------------------------------------

    /** The values of L4 class {@code cls} that rule {@code r} matches, as inclusive ranges. */
    static List<Ports.Range> l4Ranges(MatchRule r, int cls) {
        Protocol p = r.protocol();
        if (p == Protocol.Any) {
            return List.of(new Ports.Range(0, FULL));
        }
        int number = protocolNumber(p);
        int ownClass = switch (p) {
            case TCP -> Abi.L4_TCP;
            case UDP -> Abi.L4_UDP;
            case SCTP -> Abi.L4_SCTP;
            case ICMP -> Abi.L4_ICMP;
            case ICMPv6 -> Abi.L4_ICMPV6;
            case Any -> throw new AssertionError();
        };
        boolean unconstrained = p.hasPorts() ? r.ports().isEmpty() : r.icmpTypes().isEmpty();
        if (cls == ownClass) {
            if (unconstrained) {
                return List.of(new Ports.Range(0, FULL));
            }
            return p.hasPorts() ? r.ports()
                    : r.icmpTypes().stream().sorted().map(t -> new Ports.Range(t, t)).toList();
        }
        if (cls == Abi.L4_FRAGMENT && unconstrained) {
            // A later fragment carries no L4 header: only rules without port or type conditions can match it.
            List<Ports.Range> out = new ArrayList<>(2);
            if (p != Protocol.ICMPv6) {
                out.add(new Ports.Range(number, number));
            }
            if (p != Protocol.ICMP) {
                out.add(new Ports.Range(Abi.FRAGMENT_IPV6_OFFSET + number, Abi.FRAGMENT_IPV6_OFFSET + number));
            }
            return out;
        }
        return List.of();
    }

    /** The source ports of L4 class {@code cls} (TCP, UDP or SCTP) that rule {@code r} matches. */
    static List<Ports.Range> sportRanges(MatchRule r, int cls) {
        if (r.sourcePorts().isEmpty()) {
            return List.of(new Ports.Range(0, FULL));
        }
        boolean own = (r.protocol() == Protocol.TCP && cls == Abi.L4_TCP) || (r.protocol() == Protocol.UDP && cls == Abi.L4_UDP)
                || (r.protocol() == Protocol.SCTP && cls == Abi.L4_SCTP);
        return own ? r.sourcePorts() : List.of();
    }

    public static int protocolNumber(Protocol p) {
        return switch (p) {
            case TCP -> 6;
            case UDP -> 17;
            case SCTP -> 132;
            case ICMP -> 1;
            case ICMPv6 -> 58;
            case Any -> -1;
        };
    }

    /** {@code out[i] = ids.get(in[i])}, one map lookup per run of equal ids (a sweep's output is a few runs). */
    private static void mapRuns(int[] in, Map<Integer, Integer> ids, int[] out) {
        int mapped = 0;
        for (int i = 0; i < in.length; i++) {
            if (i == 0 || in[i] != in[i - 1]) {
                mapped = ids.get(in[i]);
            }
            out[i] = mapped;
        }
    }

    /**
     * Fills {@code out[offset .. offset+65535]} with the vector of rules whose ranges contain each value, sweeping
     * over the range boundaries so the cost follows the number of ranges, not 65536 × rules.
     *
     * @param intern the id of a vector (the caller must not modify its bits afterwards)
     */
    private static void sweep(List<MatchRule> rules, Function<MatchRule, List<Ports.Range>> ranges,
            ToIntFunction<BitSet> intern, int[] out, int offset) {
        List<int[]> events = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            for (Ports.Range range : ranges.apply(rules.get(i))) {
                events.add(new int[] {range.low(), i, +1});
                events.add(new int[] {range.high() + 1, i, -1});
            }
        }
        events.sort((a, b) -> Integer.compare(a[0], b[0]));
        int[] depth = new int[rules.size()];
        BitSet active = new BitSet();
        int vector = intern.applyAsInt(new BitSet());
        int value = 0;
        int e = 0;
        while (value <= FULL) {
            boolean changed = false;
            while (e < events.size() && events.get(e)[0] == value) {
                int[] ev = events.get(e++);
                depth[ev[1]] += ev[2];
                boolean now = depth[ev[1]] > 0;
                if (now != active.get(ev[1])) {
                    active.set(ev[1], now);
                    changed = true;
                }
            }
            if (changed) {
                vector = intern.applyAsInt((BitSet) active.clone());
            }
            int next = e < events.size() ? Math.min(events.get(e)[0], FULL + 1) : FULL + 1;
            Arrays.fill(out, offset + value, offset + next, vector);
            value = next;
        }
    }
}
