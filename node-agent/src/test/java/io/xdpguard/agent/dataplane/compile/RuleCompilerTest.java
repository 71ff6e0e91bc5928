package io.xdpguard.agent.dataplane.compile;

import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressNetwork;
import inet.ipaddr.IPAddressString;
import io.xdpguard.agent.dataplane.packet.L4Class;
import io.xdpguard.agent.dataplane.packet.ParseOutcome;
import io.xdpguard.agent.dataplane.packet.ParsedPacket;
import io.xdpguard.agent.dataplane.reference.RateLimitDecider;
import io.xdpguard.agent.dataplane.reference.ReferenceMatcher;
import io.xdpguard.agent.dataplane.rules.AddressMatch;
import io.xdpguard.agent.dataplane.rules.DefaultVerdict;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.rules.RuleSetException;
import io.xdpguard.agent.dataplane.testing.RandomRules;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.api.validation.Ports;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The compiled maps, read as the kernel reads them, pick the same rule as the reference matcher. */
class RuleCompilerTest {

    @Test
    void compiledLookupAgreesWithReferenceOnRandomRulesAndPackets() throws RuleSetException {
        long seed = Long.getLong("xdpguard.seed", System.nanoTime());
        Random random = new Random(seed);
        RandomRules rules = new RandomRules(random);
        int sets = Boolean.getBoolean("xdpguard.long") ? 2000 : 200;
        for (int s = 0; s < sets; s++) {
            RuleSet ruleSet = rules.ruleSet(s % 10 == 0 ? 300 : 20);
            CompiledRuleSet compiled = RuleCompiler.compile(ruleSet, CounterIds.NONE.assign(ruleSet).ids());
            for (int n = 0; n < 100; n++) {
                ParsedPacket packet = randomPacket(random);
                int expected = ReferenceMatcher.classify(ruleSet, packet, RateLimitDecider.ALWAYS).rule();
                assertThat(CompiledLookup.winner(compiled, packet))
                        .as("seed %d (rerun with -Dxdpguard.seed=%d), set %d, packet %s, rules %s", seed, seed, s, packet, ruleSet)
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    void ruleBeyondTheFirstSixtyFourWordsIsFound() throws RuleSetException {
        List<MatchRule> list = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            list.add(tcpPortRule("r" + i, 10_000 + i));
        }
        RuleSet ruleSet = new RuleSet(list, DefaultVerdict.PASS);
        CompiledRuleSet compiled = RuleCompiler.compile(ruleSet, CounterIds.NONE.assign(ruleSet).ids());

        assertThat(CompiledLookup.winner(compiled, tcp4("10.0.0.1", 10_000 + 4500))).isEqualTo(4500);
        assertThat(CompiledLookup.winner(compiled, tcp4("10.0.0.1", 10_000 + 63))).isEqualTo(63);
        assertThat(CompiledLookup.winner(compiled, tcp4("10.0.0.1", 9_999))).isEqualTo(-1);
    }

    @Test
    void millionPrefixesOfOneRuleShareOneVector() throws RuleSetException {
        IPAddressNetwork.IPAddressGenerator generator = new IPAddressNetwork.IPAddressGenerator();
        List<IPAddress> prefixes = new ArrayList<>();
        for (int i = 0; i < 1_000_000; i++) {
            int a = 0x0b000000 + i * 4;
            byte[] bytes = {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
            prefixes.add(generator.from(bytes).toPrefixBlock(i % 2 == 0 ? 30 : 32));
        }
        MatchRule blocklist = new MatchRule("f", "feed", RuleAction.Drop, false, false, AddressMatch.of(prefixes),
                AddressMatch.ANY, Protocol.Any, List.of(), List.of(), Set.of(), 0, 0, false, 0);
        RuleSet ruleSet = new RuleSet(List.of(blocklist), DefaultVerdict.PASS);

        CompiledRuleSet compiled = RuleCompiler.compile(ruleSet, new int[] {0});

        assertThat(compiled.src4().size() + compiled.srcHosts().size()).isEqualTo(1_000_001);
        assertThat(compiled.srcHosts().size()).isEqualTo(500_000);
        assertThat(compiled.vectorCount()).isLessThanOrEqualTo(3);
    }

    @Test
    void ipv4DirectTablesAreFinalUnlessALongerPrefixLiesInside() throws RuleSetException {
        MatchRule rule = new MatchRule("f", "r", RuleAction.Drop, false, false, AddressMatch.of(List.of(
                prefix("10.0.0.0/8"), prefix("10.1.0.0/16"), prefix("10.2.3.0/24"), prefix("10.2.4.0/26"),
                prefix("10.2.4.0/22"), prefix("10.2.3.9/32"), prefix("10.3.0.1/32"), prefix("10.4.0.0/15"))),
                AddressMatch.ANY, Protocol.Any, List.of(), List.of(), Set.of(), 0, 0, false, 0);
        RuleSet ruleSet = new RuleSet(List.of(rule), DefaultVerdict.PASS);

        CompiledRuleSet compiled = RuleCompiler.compile(ruleSet, new int[] {0});
        Ipv4Direct direct = compiled.src4Direct();
        int[] dir = direct.sixteens();
        int slash8 = lpmValue(compiled.src4(), "10.0.0.0", 8);
        assertThat(slash8 & Abi.HOSTS_INSIDE).as("10/8 has the host 10.3.0.1 inside").isNotZero();
        assertThat(dir[0x0a00]).as("10.0/16 under 10/8").isEqualTo(Abi.DIR_FINAL | (slash8 & Abi.VEC_MASK));
        assertThat(dir[0x0a01]).isEqualTo(Abi.DIR_FINAL | lpmValue(compiled.src4(), "10.1.0.0", 16));
        assertThat(dir[0x0a02]).as("longer prefixes inside: a chunk").isEqualTo(Abi.DIR_CHUNK);
        assertThat(dir[0x0a03]).as("a host inside").isEqualTo(Abi.DIR_FINAL | slash8);
        assertThat(dir[0x0a04]).isEqualTo(dir[0x0a05]).isEqualTo(Abi.DIR_FINAL | lpmValue(compiled.src4(), "10.4.0.0", 15));
        assertThat(dir[0x0b00]).as("under /0 only").isEqualTo(Abi.DIR_FINAL | lpmValue(compiled.src4(), "0.0.0.0", 0));
        assertThat(direct.chunkCount()).isEqualTo(1);
        int slash24 = lpmValue(compiled.src4(), "10.2.3.0", 24);
        assertThat(slash24 & Abi.HOSTS_INSIDE).as("10.2.3/24 has the host 10.2.3.9 inside").isNotZero();
        assertThat(direct.chunks()[3]).as("10.2.3/24, a host inside").isEqualTo(Abi.DIR_FINAL | slash24);
        assertThat(direct.chunks()[4]).as("10.2.4/24, a /26 inside").isEqualTo(Abi.DIR_DEEPER);
        int slash22 = Abi.DIR_FINAL | lpmValue(compiled.src4(), "10.2.4.0", 22) & Abi.VEC_MASK;
        assertThat(new int[] {direct.chunks()[5], direct.chunks()[6], direct.chunks()[7]}).as("under 10.2.4/22")
                .containsOnly(slash22);
        assertThat(direct.chunks()[9]).as("10.2.9/24 under 10/8 only").isEqualTo(Abi.DIR_FINAL | (slash8 & Abi.VEC_MASK));
        int dstRoot = Abi.DIR_FINAL | compiled.defaultVec()[Abi.DIM_DST];
        assertThat(java.util.Arrays.stream(compiled.dst4Direct().sixteens()).allMatch(e -> e == dstRoot))
                .as("no destination condition: /0 everywhere").isTrue();

        // without room in the host table the hosts are /32s in the trie: deeper
        CompiledRuleSet noHosts = RuleCompiler.compile(ruleSet, new int[] {0}, 0);
        assertThat(noHosts.src4Direct().sixteens()[0x0a03]).isEqualTo(Abi.DIR_CHUNK | 1);
        assertThat(noHosts.src4Direct().chunks()[256]).as("10.3.0/24").isEqualTo(Abi.DIR_DEEPER);
        assertThat(noHosts.src4Direct().chunks()[256 + 1]).as("10.3.1/24").isEqualTo(Abi.DIR_FINAL | (slash8 & Abi.VEC_MASK));
        assertThat(noHosts.src4Direct().chunks()[3]).as("10.2.3/24").isEqualTo(Abi.DIR_DEEPER);
        // without room for a second chunk, the second /16 stays with the trie
        Ipv4Direct oneChunk = Ipv4Direct.build(noHosts.src4(), noHosts.srcHosts(), 1);
        assertThat(oneChunk.sixteens()[0x0a02]).isEqualTo(Abi.DIR_CHUNK);
        assertThat(oneChunk.sixteens()[0x0a03]).isEqualTo(Abi.DIR_DEEPER);
        assertThat(oneChunk.lookup(0x0a030101)).isEqualTo(Abi.DIR_DEEPER);
    }

    private static IPAddress prefix(String cidr) {
        return new IPAddressString(cidr).getAddress();
    }

    private static int lpmValue(PrefixTable table, String address, int length) {
        byte[] bytes = new IPAddressString(address).getAddress().getBytes();
        for (int i = 0; i < table.size(); i++) {
            if (table.length(i) == length && java.util.Arrays.equals(table.address(i), bytes)) {
                return table.value(i);
            }
        }
        throw new AssertionError(address + "/" + length + " not in the table");
    }

    @Test
    void reusedAddressDimensionsCompileExactlyLikeAFreshCompile() throws RuleSetException {
        long seed = Long.getLong("xdpguard.seed", System.nanoTime());
        Random random = new Random(seed);
        RandomRules rules = new RandomRules(random);
        for (int s = 0; s < 50; s++) {
            RuleSet first = rules.ruleSet(30);
            int[] ids = CounterIds.NONE.assign(first).ids();
            CompiledRuleSet before = RuleCompiler.compile(first, ids);
            // one rule changes its ports and action, every address list stays the same object
            List<MatchRule> changed = new ArrayList<>(first.rules());
            int which = random.nextInt(changed.size());
            MatchRule old = changed.get(which);
            changed.set(which, new MatchRule(old.filter(), old.ruleName(), RuleAction.Drop, old.audit(), old.failsafe(),
                    old.sources(), old.destinations(), Protocol.UDP, List.of(new Ports.Range(7, 9 + s)), List.of(), Set.of(),
                    0, 0, false, 0));
            RuleSet second = new RuleSet(changed, first.defaultVerdict());

            CompiledRuleSet reused = RuleCompiler.compile(second, ids, before);
            assertThat(reused.addresses()).as("seed %d", seed).isSameAs(before.addresses());
            assertSameContents(reused, RuleCompiler.compile(second, ids), seed);

            // a different address list is compiled afresh
            RuleSet other = rules.ruleSet(30);
            int[] otherIds = CounterIds.NONE.assign(other).ids();
            CompiledRuleSet notReused = RuleCompiler.compile(other, otherIds, before);
            assertSameContents(notReused, RuleCompiler.compile(other, otherIds), seed);
        }
    }

    @Test
    void equalAddressListsInNewObjectsReuseTheTablesAndReleaseTheOldLists() throws RuleSetException {
        RuleSet first = new RuleSet(List.of(blocklistRule(AddressMatch.parse(List.of("10.0.0.0/8", "2001:db8::/32")))),
                DefaultVerdict.PASS);
        int[] ids = CounterIds.NONE.assign(first).ids();
        CompiledRuleSet before = RuleCompiler.compile(first, ids);
        AddressMatch again = AddressMatch.parse(List.of("10.0.0.0/8", "2001:db8::/32"));
        RuleSet second = new RuleSet(List.of(blocklistRule(again)), DefaultVerdict.PASS);

        CompiledRuleSet after = RuleCompiler.compile(second, ids, before);

        assertThat(after.addresses().src4()).isSameAs(before.addresses().src4());
        assertThat(after.addresses().src6()).isSameAs(before.addresses().src6());
        assertThat(after.addresses().sources().get(0)).isSameAs(again);
        assertSameContents(after, RuleCompiler.compile(second, ids), 0);
    }

    private static MatchRule blocklistRule(AddressMatch sources) {
        return new MatchRule("f", "blocklist", RuleAction.Drop, false, false, sources, AddressMatch.ANY, Protocol.Any,
                List.of(), List.of(), Set.of(), 0, 0, false, 0);
    }

    private static void assertSameContents(CompiledRuleSet a, CompiledRuleSet b, long seed) {
        String as = "seed " + seed;
        assertThat(a.rules()).as(as).isEqualTo(b.rules());
        assertThat(a.dimsUsed()).as(as).isEqualTo(b.dimsUsed());
        assertThat(a.defaultVec()).as(as).containsExactly(b.defaultVec());
        assertThat(a.catchAll()).as(as).isEqualTo(b.catchAll());
        // Arrays.mismatch, not containsExactly: AssertJ's diff of 458,752 entries is quadratic
        for (int c = 0; c < Abi.L4_CLASSES; c++) {
            assertThat(java.util.Arrays.mismatch(a.l4()[c], b.l4()[c])).as(as + " l4 class " + c + ", " + a.rules().size()
                    + " vs " + b.rules().size() + " rules").isEqualTo(-1);
            assertThat(java.util.Arrays.mismatch(a.l4SportDefault()[c], b.l4SportDefault()[c])).as(as + " l4 & sport default, class "
                    + c).isEqualTo(-1);
        }
        assertThat(java.util.Arrays.mismatch(a.sport(), b.sport())).as(as + " sport").isEqualTo(-1);
        assertThat(a.vectors().summary0()).as(as).containsExactly(b.vectors().summary0());
        assertThat(a.vectors().summary1()).as(as).containsExactly(b.vectors().summary1());
        assertThat(a.vectors().candidates0()).as(as).containsExactly(b.vectors().candidates0());
        assertThat(a.vectors().candidates1()).as(as).containsExactly(b.vectors().candidates1());
        assertThat(a.vectors().wordsBase0()).as(as).containsExactly(b.vectors().wordsBase0());
        assertThat(a.vectors().wordsBase1()).as(as).containsExactly(b.vectors().wordsBase1());
        assertThat(a.vectors().words()).as(as).containsExactly(b.vectors().words());
        assertThat(java.util.Arrays.mismatch(a.src4Direct().sixteens(), b.src4Direct().sixteens())).as(as).isEqualTo(-1);
        assertThat(java.util.Arrays.mismatch(a.src4Direct().chunks(), b.src4Direct().chunks())).as(as).isEqualTo(-1);
        assertThat(java.util.Arrays.mismatch(a.dst4Direct().sixteens(), b.dst4Direct().sixteens())).as(as).isEqualTo(-1);
        assertThat(java.util.Arrays.mismatch(a.dst4Direct().chunks(), b.dst4Direct().chunks())).as(as).isEqualTo(-1);
        PrefixTable[] ta = {a.src4(), a.src6(), a.srcHosts(), a.dst4(), a.dst6(), a.dstHosts()};
        PrefixTable[] tb = {b.src4(), b.src6(), b.srcHosts(), b.dst4(), b.dst6(), b.dstHosts()};
        for (int t = 0; t < ta.length; t++) {
            assertThat(ta[t].size()).as(as).isEqualTo(tb[t].size());
            for (int i = 0; i < ta[t].size(); i++) {
                assertThat(ta[t].address(i)).as(as).containsExactly(tb[t].address(i));
                assertThat(ta[t].length(i)).as(as).isEqualTo(tb[t].length(i));
                assertThat(ta[t].value(i)).as(as).isEqualTo(tb[t].value(i));
            }
        }
    }

    @Test
    void countersKeepTheirIdsAcrossChanges() {
        MatchRule a = tcpPortRule("a", 1);
        MatchRule b = tcpPortRule("b", 2);
        MatchRule c = tcpPortRule("c", 3);
        CounterIds first = CounterIds.NONE.assign(new RuleSet(List.of(a, b), DefaultVerdict.PASS));
        CounterIds second = first.assign(new RuleSet(List.of(c, b), DefaultVerdict.PASS));

        assertThat(second.ids()[1]).isEqualTo(first.ids()[1]);
        assertThat(second.ids()[0]).isNotEqualTo(second.ids()[1]);
        assertThat(first.had("f/b", second.ids()[1])).isTrue();
        assertThat(first.had("f/c", second.ids()[0])).isFalse();
    }

    @Test
    void l4EntryCarriesItsVectorAndedWithTheSourcePortDefault() throws RuleSetException {
        MatchRule fromDns = new MatchRule("f", "dns", RuleAction.Drop, false, false, AddressMatch.ANY, AddressMatch.ANY,
                Protocol.TCP, List.of(new Ports.Range(80, 80)), List.of(new Ports.Range(53, 53)), Set.of(), 0, 0, false, 0);
        MatchRule fromNet = new MatchRule("f", "net", RuleAction.Drop, false, false, AddressMatch.of(List.of(prefix("10.0.0.0/8"))),
                AddressMatch.ANY, Protocol.TCP, List.of(new Ports.Range(80, 80)), List.of(), Set.of(), 0, 0, false, 0);
        RuleSet ruleSet = new RuleSet(List.of(fromDns, fromNet, tcpPortRule("web", 80)), DefaultVerdict.PASS);

        CompiledRuleSet compiled = RuleCompiler.compile(ruleSet, CounterIds.NONE.assign(ruleSet).ids());
        VectorTable.Layout v = compiled.vectors();
        int plain = compiled.l4()[Abi.L4_TCP][80];
        int anded = compiled.l4SportDefault()[Abi.L4_TCP][80];

        assertThat(firstWord(v, plain)).isEqualTo(0b111);
        assertThat(firstWord(v, anded)).as("without the rule naming source port 53").isEqualTo(0b110);
        assertThat(v.candidates0()[anded]).as("the port-80 rule is primary in L4: a candidate").isEqualTo(1);
        assertThat(compiled.l4SportDefault()[Abi.L4_TCP][81]).as("port 81: no rule, nothing to AND")
                .isEqualTo(compiled.l4()[Abi.L4_TCP][81]);
        assertThat(CompiledLookup.winner(compiled, tcp4("192.0.2.1", 80))).as("source port 40000: the default").isEqualTo(2);
        assertThat(CompiledLookup.winner(compiled, tcp4("10.0.0.1", 80))).isEqualTo(1);
    }

    @Test
    void aVectorNamesTheRuleThatWinsWhateverTheAddresses() throws RuleSetException {
        MatchRule fromNet = new MatchRule("f", "net", RuleAction.Drop, false, false, AddressMatch.of(List.of(prefix("10.0.0.0/8"))),
                AddressMatch.ANY, Protocol.TCP, List.of(new Ports.Range(443, 443)), List.of(), Set.of(), 0, 0, false, 0);
        MatchRule audited = new MatchRule("a", "audited", RuleAction.Drop, true, false, AddressMatch.ANY, AddressMatch.ANY,
                Protocol.TCP, List.of(new Ports.Range(22, 22)), List.of(), Set.of(), 0, 0, false, 0);
        RuleSet ruleSet = new RuleSet(List.of(fromNet, audited, tcpPortRule("web", 80), tcpPortRule("https", 443),
                tcpPortRule("ssh", 22)), DefaultVerdict.PASS);

        CompiledRuleSet compiled = RuleCompiler.compile(ruleSet, CounterIds.NONE.assign(ruleSet).ids());
        int[] tcp = compiled.l4SportDefault()[Abi.L4_TCP];
        int[] decides = compiled.vectors().decides();
        assertThat(decides[tcp[80]]).as("port 80: rule 2 matches every address").isEqualTo(2);
        assertThat(decides[tcp[443]]).as("port 443: rule 0 first, only from 10/8").isEqualTo(-1);
        assertThat(decides[tcp[22]]).as("port 22: an Audit rule first, which decides no verdict").isEqualTo(-1);
        assertThat(decides[tcp[81]]).as("port 81: no rule").isEqualTo(-1);
        assertThat(CompiledLookup.winner(compiled, tcp4("192.0.2.1", 80))).isEqualTo(2);
        assertThat(CompiledLookup.winner(compiled, tcp4("10.0.0.1", 443))).isEqualTo(0);
        assertThat(CompiledLookup.winner(compiled, tcp4("192.0.2.1", 443))).isEqualTo(3);
        assertThat(CompiledLookup.winner(compiled, tcp4("192.0.2.1", 22))).as("the verdict past the Audit rule")
                .isEqualTo(4);
    }

    @Test
    void aPortChangeRewritesNoMoreL4EntriesThanItsPlainVectorsNeed() throws RuleSetException {
        List<MatchRule> list = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            List<Ports.Range> sourcePorts = i % 7 == 0 ? List.of(new Ports.Range(53, 53)) : List.of();
            list.add(new MatchRule("f", "r" + i, RuleAction.Drop, false, false, AddressMatch.ANY, AddressMatch.ANY,
                    i % 2 == 0 ? Protocol.TCP : Protocol.UDP, List.of(new Ports.Range(1000 + i, 1000 + i)), sourcePorts,
                    Set.of(), 0, 0, false, 0));
        }
        RuleSet before = new RuleSet(list, DefaultVerdict.PASS);
        int[] ids = CounterIds.NONE.assign(before).ids();
        CompiledRuleSet first = RuleCompiler.compile(before, ids);
        // r2 also on r4's port: a new vector among the TCP ones, so the ids of those interned after it move
        list.set(2, new MatchRule("f", "r2", RuleAction.Drop, false, false, AddressMatch.ANY, AddressMatch.ANY, Protocol.TCP,
                List.of(new Ports.Range(1002, 1002), new Ports.Range(1004, 1004)), List.of(), Set.of(), 0, 0, false, 0));
        CompiledRuleSet second = RuleCompiler.compile(new RuleSet(list, DefaultVerdict.PASS), ids, first);

        for (int c = 0; c < Abi.L4_CLASSES; c++) {
            int plainChanged = 0;
            int entriesChanged = 0;
            for (int i = 0; i < 65536; i++) {
                boolean plain = first.l4()[c][i] != second.l4()[c][i];
                plainChanged += plain ? 1 : 0;
                entriesChanged += plain || first.l4SportDefault()[c][i] != second.l4SportDefault()[c][i] ? 1 : 0;
            }
            assertThat(entriesChanged).as("class %d", c).isEqualTo(plainChanged);
        }
        assertThat(second.l4SportDefault()[Abi.L4_ICMP]).as("an unchanged class is shared").isSameAs(first.l4SportDefault()[Abi.L4_ICMP]);
    }

    /** Word 0 of vector {@code id} as the kernel reads it (0 when not stored). */
    private static long firstWord(VectorTable.Layout v, int id) {
        return (v.summary0()[id] & 1) != 0 ? v.words()[v.wordsBase0()[id]] : 0;
    }

    private static MatchRule tcpPortRule(String name, int port) {
        return new MatchRule("f", name, RuleAction.Drop, false, false, AddressMatch.ANY, AddressMatch.ANY, Protocol.TCP,
                List.of(new Ports.Range(port, port)), List.of(), Set.of(), 0, 0, false, 0);
    }

    private static ParsedPacket tcp4(String source, int port) {
        byte[] mapped = RuleCompiler.ipv4Mapped(new IPAddressString(source).getAddress().getBytes());
        return new ParsedPacket(ParseOutcome.IP, null, 64, List.of(), 0x0800, 4, mapped, mapped, 6, false, L4Class.TCP,
                port, L4Class.TCP.index(40000), 40000, port, ParsedPacket.ABSENT);
    }

    /** A parsed IP packet with fields drawn from the same pools as the rules. */
    static ParsedPacket randomPacket(Random random) {
        boolean v6 = random.nextBoolean();
        byte[] source = address(random, v6);
        byte[] destination = address(random, v6);
        int[] protocols = v6 ? new int[] {6, 17, 132, 58, 1, 47, 59} : new int[] {6, 17, 132, 1, 58, 47};
        int protocol = protocols[random.nextInt(protocols.length)];
        boolean later = random.nextInt(8) == 0;
        int sport = RandomRules.PORT_POOL[random.nextInt(RandomRules.PORT_POOL.length)];
        int dport = random.nextInt(4) == 0 ? random.nextInt(65536) : RandomRules.PORT_POOL[random.nextInt(RandomRules.PORT_POOL.length)];
        int type = RandomRules.ICMP_TYPE_POOL[random.nextInt(RandomRules.ICMP_TYPE_POOL.length)];
        int absent = ParsedPacket.ABSENT;
        if (later) {
            int value = (v6 ? Abi.FRAGMENT_IPV6_OFFSET : 0) + protocol;
            return new ParsedPacket(ParseOutcome.IP, null, 64, List.of(), v6 ? 0x86dd : 0x0800, v6 ? 6 : 4, source, destination,
                    protocol, true, L4Class.FRAGMENT, value, L4Class.SPORT_NONE, absent, absent, absent);
        }
        L4Class cls = switch (protocol) {
            case 6 -> L4Class.TCP;
            case 17 -> L4Class.UDP;
            case 132 -> L4Class.SCTP;
            case 1 -> v6 ? L4Class.OTHER : L4Class.ICMP;
            case 58 -> v6 ? L4Class.ICMPV6 : L4Class.OTHER;
            default -> L4Class.OTHER;
        };
        if (cls.hasPorts()) {
            return new ParsedPacket(ParseOutcome.IP, null, 64, List.of(), 0, v6 ? 6 : 4, source, destination, protocol, false,
                    cls, dport, cls.index(sport), sport, dport, absent);
        }
        boolean icmp = cls == L4Class.ICMP || cls == L4Class.ICMPV6;
        return new ParsedPacket(ParseOutcome.IP, null, 64, List.of(), 0, v6 ? 6 : 4, source, destination, protocol, false,
                cls, icmp ? type : protocol, L4Class.SPORT_NONE, absent, absent, icmp ? type : absent);
    }

    private static byte[] address(Random random, boolean v6) {
        List<String> pool = RandomRules.ADDRESS_POOL.stream().filter(a -> a.contains(":") == v6).toList();
        byte[] bytes = new IPAddressString(pool.get(random.nextInt(pool.size()))).getAddress().getBytes();
        if (random.nextInt(6) == 0) {
            random.nextBytes(bytes); // mostly in a /16 no rule names
        } else if (random.nextInt(3) == 0) {
            bytes[bytes.length - 1] ^= (byte) (1 << random.nextInt(8));
        }
        return v6 ? bytes : RuleCompiler.ipv4Mapped(bytes);
    }
}
