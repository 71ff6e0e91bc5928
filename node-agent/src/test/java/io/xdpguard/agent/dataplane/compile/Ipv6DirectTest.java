package io.xdpguard.agent.dataplane.compile;

import static io.xdpguard.agent.dataplane.compile.CompiledLookup.prefixMatches;
import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressNetwork;
import inet.ipaddr.IPAddressString;
import io.xdpguard.agent.dataplane.rules.AddressMatch;
import io.xdpguard.agent.dataplane.rules.DefaultVerdict;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.rules.RuleSetException;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The IPv6 direct stage answers as the trie does: for every address, a final answer of the stage (then the host
 * table where it says so) gives the vector the longest-prefix match (then the host table where its value says so)
 * gives, and the stage leaves an address to the trie only where its design says it must (xdpguard_abi.h), or beyond
 * its capacity (above the last /32 its miss answers for).
 */
class Ipv6DirectTest {
    private static final IPAddressNetwork.IPAddressGenerator ADDRESSES = new IPAddressNetwork.IPAddressGenerator();

    @Test
    void finalAnswersEqualTheLongestPrefixMatchAndDeeperOnlyWhereSpecified() throws RuleSetException {
        long seed = Long.getLong("xdpguard.seed", System.nanoTime());
        Random random = new Random(seed);
        long[] answers = new long[Answer.values().length];
        for (int set = 0; set < 300; set++) {
            List<List<IPAddress>> lists = randomLists(random);
            boolean fewHosts = random.nextInt(3) == 0; // /128s beyond the host capacity go to the trie
            int blocks = random.nextInt(4) == 0 ? 1 + random.nextInt(8) : 1 << 20;
            CompiledRuleSet compiled = compile(lists, new SlotCapacity(fewHosts ? 2 : Integer.MAX_VALUE, 1024, blocks));
            Ipv6Direct direct = compiled.src6Direct();
            assertThat(direct.size()).isLessThanOrEqualTo(blocks);
            for (int n = 0; n < 300; n++) {
                byte[] address = probe(random, lists);
                String as = "seed %d (rerun with -Dxdpguard.seed=%d), set %d, address %s, prefixes %s".formatted(seed,
                        seed, set, ADDRESSES.from(address), lists);
                int entry = direct.lookup(address);
                if ((entry & Abi.DIR_FINAL) != 0) {
                    assertThat(answer(entry, compiled.srcHosts(), address)).as(as)
                            .isEqualTo(trieAnswer(compiled.src6(), compiled.srcHosts(), address));
                }
                if (Integer.compareUnsigned(java.nio.ByteBuffer.wrap(address).getInt(), direct.missUpTo()) <= 0) {
                    Answer expected = specified(compiled.src6(), compiled.srcHosts(), address);
                    assertThat((entry & Abi.DIR_FINAL) == 0).as("deeper (expected %s), %s", expected, as)
                            .isEqualTo(expected.deeper);
                    answers[expected.ordinal()]++;
                }
            }
        }
        for (Answer kind : Answer.values()) {
            assertThat(answers[kind.ordinal()]).as("seed %d: addresses answered by %s", seed, kind).isGreaterThan(100);
        }
    }

    @Test
    void beyondItsCapacityTheStageKeepsTheLowestBlocksThatFitAndSendsTheRestToTheTrie() throws RuleSetException {
        // 2001:db8:i::/48 for 20 /32s (2001:db8 + i): each /32 a next entry with one /48, 2 entries each
        List<IPAddress> nets = new ArrayList<>();
        List<IPAddress> wide = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String top32 = "2001:" + Integer.toHexString(0xdb8 + i);
            nets.add(prefix(top32 + ":7::/48"));
            wide.add(prefix(top32 + "::/32"));
        }
        List<List<IPAddress>> lists = List.of(nets, wide);
        CompiledRuleSet all = compile(lists, new SlotCapacity(Integer.MAX_VALUE, 1024, 40));
        CompiledRuleSet part = compile(lists, new SlotCapacity(Integer.MAX_VALUE, 1024, 15));

        assertThat(all.src6Direct().size()).isEqualTo(40);
        assertThat(all.src6Direct().missUpTo()).isEqualTo(-1);
        Ipv6Direct direct = part.src6Direct();
        assertThat(direct.size()).isEqualTo(14); // the lowest 7 /32s with their /48
        assertThat(direct.miss() & Abi.DIR_FINAL).isNotZero();
        assertThat(direct.missUpTo()).as("below the first /32 left out").isEqualTo(0x20010dbe);
        for (int i = 0; i < 20; i++) {
            String top32 = "2001:" + Integer.toHexString(0xdb8 + i);
            for (String address : List.of(top32 + ":7::1", top32 + ":8::1", "2001:db7::1", "2001:dcc::1")) {
                byte[] bytes = new IPAddressString(address).getAddress().getBytes();
                int entry = direct.lookup(bytes);
                boolean below = address.startsWith("2001:db7");
                boolean above = address.startsWith("2001:dcc");
                assertThat((entry & Abi.DIR_FINAL) != 0).as(address).isEqualTo(below || i < 7 && !above);
                if ((entry & Abi.DIR_FINAL) != 0) {
                    assertThat(answer(entry, part.srcHosts(), bytes)).as(address)
                            .isEqualTo(trieAnswer(part.src6(), part.srcHosts(), bytes));
                }
            }
        }
    }

    @Test
    void entriesForEachKindOfBlock() throws RuleSetException {
        CompiledRuleSet compiled = compile(List.of(
                List.of(prefix("2001:db8::/32"), prefix("2001:db9:1::/48"), prefix("2001:dba::/40"),
                        prefix("2001:dbb:1:2::/64"), prefix("2001:dbc::1/128")),
                List.of(prefix("2001:db9::/32"), prefix("2001:dba::/32"), prefix("2001:dbb::/32"))),
                SlotCapacity.UNLIMITED_HOSTS);
        Ipv6Direct direct = compiled.src6Direct();
        int root = compiled.src6().value(0);

        assertThat(direct.miss()).as("no prefix of 1..31 bits").isEqualTo(Abi.DIR_FINAL | root & Abi.VEC_MASK);
        assertThat(entry(direct, "2001:db8::", 32)).as("a /32 alone: final").isEqualTo(Abi.DIR_FINAL | vector(compiled, "2001:db8::", 32));
        assertThat(entry(direct, "2001:db9::", 32)).as("a /48 inside: next").isEqualTo(Abi.DIR_NEXT);
        assertThat(miss(direct, "2001:db9::")).as("its /48s without entry: the /32's")
                .isEqualTo(Abi.DIR_FINAL | vector(compiled, "2001:db9::", 32));
        assertThat(entry(direct, "2001:db9:1::", 48)).as("the /48: final")
                .isEqualTo(Abi.DIR_FINAL | vector(compiled, "2001:db9:1::", 48));
        assertThat(entry(direct, "2001:dba::", 32)).as("a /40 inside, nothing of 48 bits or more: the trie")
                .isEqualTo(Abi.DIR_DEEPER);
        assertThat(entry(direct, "2001:dbb::", 32)).isEqualTo(Abi.DIR_NEXT);
        assertThat(entry(direct, "2001:dbb:1::", 48)).as("a /64 inside the /48: the trie").isEqualTo(Abi.DIR_DEEPER);
        assertThat(entry(direct, "2001:dbc::", 32)).as("a host alone, under the /0")
                .isEqualTo(Abi.DIR_FINAL | Abi.HOSTS_INSIDE | root & Abi.VEC_MASK);
        assertThat(direct.size()).isEqualTo(7);

        CompiledRuleSet withShort = compile(List.of(List.of(prefix("2001:db8::/32"), prefix("2000::/16"))),
                SlotCapacity.UNLIMITED_HOSTS);
        assertThat(withShort.src6Direct().miss()).as("a prefix of 1..31 bits").isEqualTo(Abi.DIR_DEEPER);
        CompiledRuleSet firstLeftOut = compile(List.of(List.of(prefix("::/32")), List.of(prefix("::1:0:0:0:0:0/48"))),
                new SlotCapacity(Integer.MAX_VALUE, 1024, 1));
        assertThat(firstLeftOut.src6Direct().size()).as("::/32 needs 2 entries").isZero();
        assertThat(firstLeftOut.src6Direct().miss()).as("::/32 left out: no /32 below it").isEqualTo(Abi.DIR_DEEPER);
    }

    // ---- the answers compared --------------------------------------------------------------------------------

    /** What the kernel makes of a final entry: its vector, or the host's where it says hosts are inside. */
    private static int answer(int entry, PrefixTable hosts, byte[] address) {
        if ((entry & Abi.HOSTS_INSIDE) != 0) {
            int host = host(hosts, address);
            if (host >= 0) {
                return host;
            }
        }
        return entry & Abi.VEC_MASK;
    }

    /** The trie's answer: the longest prefix's vector, or the host's where that prefix says hosts are inside. */
    private static int trieAnswer(PrefixTable lpm6, PrefixTable hosts, byte[] address) {
        int best = -1;
        for (int i = 0; i < lpm6.size(); i++) {
            if ((best < 0 || lpm6.length(i) > lpm6.length(best)) && prefixMatches(lpm6.address(i), lpm6.length(i), address)) {
                best = i;
            }
        }
        return answer(lpm6.value(best), hosts, address);
    }

    private static int host(PrefixTable hosts, byte[] address) {
        for (int i = 0; i < hosts.size(); i++) {
            if (hosts.isIpv6Host(i) && Arrays.equals(hosts.address(i), address)) {
                return hosts.vector(i);
            }
        }
        return -1;
    }

    /** How the design says an address is answered, from the prefixes and hosts alone. */
    enum Answer {
        /** its /32 holds no prefix of 32 bits or more and no host; no prefix of 1..31 bits anywhere */
        MISS_FINAL(false),
        /** the same, but some prefix of 1..31 bits: the trie */
        MISS_DEEPER(true),
        /** its /32 holds a prefix of 32 bits or more or a host, none longer than 32 bits */
        SLASH32_FINAL(false),
        /** its /32 and its /48 hold longer prefixes, or its /48 holds none of 48 bits or more (nor a host) and its /32 one of 33..47 bits */
        DEEPER(true),
        /** a longer prefix in its /32, its /48 holds a prefix of 48 bits or a host, none longer */
        SLASH48_FINAL(false),
        /** a longer prefix in its /32, its /48 holds none of 48 bits or more nor a host, its /32 none of 33..47 bits */
        SLASH48_MISS_FINAL(false);

        final boolean deeper;

        Answer(boolean deeper) {
            this.deeper = deeper;
        }
    }

    private static Answer specified(PrefixTable lpm6, PrefixTable hosts, byte[] address) {
        boolean in32 = false;
        boolean longer32 = false;
        boolean middle32 = false;
        boolean in48 = false;
        boolean longer48 = false;
        boolean shortPrefix = false;
        for (int i = 0; i < lpm6.size(); i++) {
            int length = lpm6.length(i);
            shortPrefix |= length > 0 && length < 32;
            if (length >= 32 && prefixMatches(address, 32, lpm6.address(i))) {
                in32 = true;
                longer32 |= length > 32;
                middle32 |= length > 32 && length < 48;
                if (length >= 48 && prefixMatches(address, 48, lpm6.address(i))) {
                    in48 = true;
                    longer48 |= length > 48;
                }
            }
        }
        for (int i = 0; i < hosts.size(); i++) {
            if (hosts.isIpv6Host(i)) { // an IPv6 packet never finds an IPv4 host (keyed apart)
                in32 |= prefixMatches(address, 32, hosts.address(i));
                in48 |= prefixMatches(address, 48, hosts.address(i));
            }
        }
        if (!in32) {
            return shortPrefix ? Answer.MISS_DEEPER : Answer.MISS_FINAL;
        }
        if (!longer32) {
            return Answer.SLASH32_FINAL;
        }
        if (in48) {
            return longer48 ? Answer.DEEPER : Answer.SLASH48_FINAL;
        }
        return middle32 ? Answer.DEEPER : Answer.SLASH48_MISS_FINAL;
    }

    // ---- random prefixes and addresses ------------------------------------------------------------------------

    /**
     * 1..4 rules' source lists around a few /32s (some sharing /48s): prefixes of 32, 33..47, 48, 49..127 and 128 bits
     * in them, sometimes one of 1..31 bits, sometimes an IPv4 host (its IPv4-mapped form lies in ::/32, where an IPv6
     * packet must not find it).
     */
    private static List<List<IPAddress>> randomLists(Random random) {
        List<byte[]> bases = new ArrayList<>();
        for (int b = 0, n = 1 + random.nextInt(5); b < n; b++) {
            byte[] base = randomBytes(random, 16);
            if (b > 0 && random.nextBoolean()) { // the same /32 (or /48) as another base
                byte[] other = bases.get(random.nextInt(bases.size()));
                System.arraycopy(other, 0, base, 0, random.nextBoolean() ? 4 : 6);
            }
            bases.add(base);
        }
        List<List<IPAddress>> lists = new ArrayList<>();
        for (int r = 0, rules = 1 + random.nextInt(4); r < rules; r++) {
            List<IPAddress> prefixes = new ArrayList<>();
            for (int p = 0, n = 1 + random.nextInt(6); p < n; p++) {
                byte[] base = bases.get(random.nextInt(bases.size())).clone();
                int length = switch (random.nextInt(12)) {
                    case 0 -> random.nextInt(10) == 0 ? 1 + random.nextInt(31) : 32;
                    case 1, 2 -> 32;
                    case 3 -> 33 + random.nextInt(15);
                    case 4, 5 -> 48;
                    case 6, 7 -> 49 + random.nextInt(79);
                    case 8 -> random.nextInt(129);
                    default -> 128;
                };
                randomizeAfter(random, base, 48 + random.nextInt(81)); // hosts differ within their /48
                prefixes.add(ADDRESSES.from(base).toPrefixBlock(length));
            }
            if (random.nextInt(5) == 0) {
                prefixes.add(ADDRESSES.from(randomBytes(random, 4)));
            }
            lists.add(prefixes);
        }
        return lists;
    }

    /** An address in a prefix's /32 or /48 (or the prefix itself), an IPv4-mapped one, or a random one. */
    private static byte[] probe(Random random, List<List<IPAddress>> lists) {
        List<IPAddress> list = lists.get(random.nextInt(lists.size()));
        IPAddress prefix = list.get(random.nextInt(list.size()));
        if (prefix.isIPv4()) {
            return RuleCompiler.ipv4Mapped(prefix.getBytes());
        }
        byte[] address = prefix.getLower().getBytes();
        switch (random.nextInt(6)) {
            case 0 -> randomizeAfter(random, address, 32);
            case 1 -> randomizeAfter(random, address, 48);
            case 2 -> randomizeAfter(random, address, Math.max(0, prefix.getNetworkPrefixLength()));
            case 3 -> address = randomBytes(random, 16);
            default -> {
                // the prefix's lowest address: its host, if it is one
            }
        }
        return address;
    }

    private static void randomizeAfter(Random random, byte[] address, int bits) {
        for (int bit = bits; bit < address.length * 8; bit++) {
            int mask = 0x80 >>> (bit % 8);
            address[bit / 8] = (byte) (random.nextBoolean() ? address[bit / 8] | mask : address[bit / 8] & ~mask);
        }
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] out = new byte[n];
        random.nextBytes(out);
        return out;
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static CompiledRuleSet compile(List<List<IPAddress>> lists, SlotCapacity capacity) throws RuleSetException {
        List<MatchRule> rules = new ArrayList<>();
        for (int r = 0; r < lists.size(); r++) {
            rules.add(new MatchRule("f", "r" + r, RuleAction.Drop, false, false, AddressMatch.of(lists.get(r)),
                    AddressMatch.ANY, Protocol.Any, List.of(), List.of(), Set.of(), 0, 0, false, 0));
        }
        RuleSet ruleSet = new RuleSet(rules, DefaultVerdict.PASS);
        return RuleCompiler.compile(ruleSet, CounterIds.NONE.assign(ruleSet).ids(), capacity, null);
    }

    private static IPAddress prefix(String cidr) {
        return new IPAddressString(cidr).getAddress();
    }

    private static int index(Ipv6Direct direct, String address, int length) {
        byte[] bytes = new IPAddressString(address).getAddress().getBytes();
        long top48 = 0;
        for (int b = 0; b < 6; b++) {
            top48 = top48 << 8 | bytes[b] & 0xff;
        }
        return Arrays.binarySearch(direct.blocks(), Ipv6Direct.block(top48, length));
    }

    private static int entry(Ipv6Direct direct, String address, int length) {
        int at = index(direct, address, length);
        assertThat(at).as("an entry for %s/%d", address, length).isNotNegative();
        return direct.entries()[at];
    }

    private static int miss(Ipv6Direct direct, String address) {
        return direct.misses()[index(direct, address, 32)];
    }

    /** The vector the LPM table holds for a prefix. */
    private static int vector(CompiledRuleSet compiled, String address, int length) {
        byte[] bytes = new IPAddressString(address).getAddress().getBytes();
        PrefixTable lpm6 = compiled.src6();
        for (int i = 0; i < lpm6.size(); i++) {
            if (lpm6.length(i) == length && Arrays.equals(lpm6.address(i), bytes)) {
                return lpm6.vector(i);
            }
        }
        throw new AssertionError(address + "/" + length + " not in the LPM table");
    }
}
