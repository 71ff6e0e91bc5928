package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddressString;
import io.xdpguard.agent.dataplane.Reason;
import io.xdpguard.agent.dataplane.compile.Abi;
import io.xdpguard.agent.dataplane.compile.CompiledRuleSet;
import io.xdpguard.agent.dataplane.compile.Ipv4Direct;
import io.xdpguard.agent.dataplane.compile.Ipv6Direct;
import io.xdpguard.agent.dataplane.compile.PrefixTable;
import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.packet.PacketParser;
import io.xdpguard.agent.dataplane.packet.ParseOutcome;
import io.xdpguard.agent.dataplane.packet.ParsedPacket;
import io.xdpguard.agent.dataplane.packet.RandomPackets;
import io.xdpguard.agent.dataplane.reference.Classification;
import io.xdpguard.agent.dataplane.reference.RateLimitDecider;
import io.xdpguard.agent.dataplane.reference.ReferenceMatcher;
import io.xdpguard.agent.dataplane.rules.AddressMatch;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.testing.RandomRules;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.api.validation.Ports;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The backbone of the dataplane's correctness: on random rule sets and random packets, the kernel's verdict, the
 * winning rule and every counter equal the reference matcher's. 10,000 cases per run; -Dxdpguard.long=true runs
 * 200,000; -Dxdpguard.seed=N replays a failure. Every rule set is a change (a slot switch, the inactive slot written by
 * difference), and the addresses meet every kind of entry of the direct stages (counted, see {@link Ipv4Answer} and
 * {@link Ipv6Answer}).
 */
@ExtendWith(RequiresBpf.class)
class KernelDifferentialTest {
    private static Classifier classifier;

    @BeforeAll
    static void load() {
        RequiresBpf.require();
        classifier = Classifier.load(null);
    }

    @AfterAll
    static void close() {
        if (classifier != null) {
            classifier.close();
        }
    }

    @Test
    void kernelAgreesWithReferenceOnRandomRulesAndPackets() throws Exception {
        Draws draws = Draws.seeded();
        long seed = draws.seed();
        RandomRules rules = draws.rules();
        RandomPackets packets = draws.packets();
        int sets = Boolean.getBoolean("xdpguard.long") ? 2000 : 100;
        int cases = 0;
        long[] ipv4Answers = new long[Ipv4Answer.values().length];
        long[] ipv6Answers = new long[Ipv6Answer.values().length];
        long laterWordMatches = 0;
        long pastAuditRules = 0;
        long decidedEarly = 0;
        long remembered = 0;
        for (int s = 0; s < sets; s++) {
            RuleSet ruleSet = switch (s % 10) {
                case 9 -> rules.ruleSet(400);
                case 4 -> rules.narrowRuleSet(1000);
                default -> rules.ruleSet(24);
            };
            Classifier.Applied applied = classifier.apply(ruleSet);
            ReasonCounters reasonsBefore = classifier.maps().reasonCounters();
            List<RuleCounters> rulesBefore = classifier.maps().ruleCounters(applied.counterIds());
            Map<Reason, long[]> expectedReasons = new EnumMap<>(Reason.class);
            long[][] expectedRules = new long[ruleSet.rules().size()][2];

            for (int n = 0; n < 100; n++, cases++) {
                byte[] frame = packets.next();
                ParsedPacket parsed = PacketParser.parse(frame);
                Classification expected = ReferenceMatcher.classify(ruleSet, parsed, RateLimitDecider.ALWAYS);
                String context = "seed %d (replay: -Dxdpguard.seed=%d), set %d, frame %s, parsed %s, expected %s (%s)"
                        .formatted(seed, seed, s, PacketBuilder.toHex(frame), parsed, expected,
                                expected.rule() < 0 ? ruleSet.defaultVerdict() : ruleSet.rules().get(expected.rule()));
                countIpv4Answers(applied.compiled(), parsed, ipv4Answers);
                countIpv6Answers(applied.compiled(), parsed, ipv6Answers);
                if (decidedBeforeTheAddresses(applied.compiled(), parsed)) {
                    decidedEarly++;
                }
                // twice: the second run usually finds what the first remembered in the search memo (xg_memo; per
                // CPU, so not when the runs land on different CPUs), the first maybe what an earlier packet of the
                // same vectors left there
                for (int run = 1; run <= 2; run++) {
                    int retval = classifier.testRun(frame).retval();
                    assertThat(retval).as("run %d, %s", run, context)
                            .isEqualTo(expected.drops() ? XdpAction.DROP.code() : XdpAction.PASS.code());
                    count(expected, frame.length, expectedReasons, expectedRules);
                    if (expected.rule() >= 0) {
                        RuleCounters now = classifier.maps().ruleCounters(applied.counterIds()[expected.rule()]);
                        RuleCounters was = rulesBefore.get(expected.rule());
                        assertThat(now.packets() - was.packets()).as("winning rule counter, run %d, %s", run, context)
                                .isEqualTo(expectedRules[expected.rule()][0]);
                    }
                }
                if (expected.auditRule() >= 0) {
                    pastAuditRules++;
                }
                if (expected.rule() >= 64) {
                    laterWordMatches++;
                }
            }

            remembered += SearchMemoTest.entries(classifier, applied.generation()).size();
            ReasonCounters reasonsAfter = classifier.maps().reasonCounters();
            for (Reason reason : Reason.values()) {
                if (reason == Reason.SAMPLES_LOST) {
                    continue;
                }
                long[] want = expectedReasons.getOrDefault(reason, new long[2]);
                assertThat(new long[] {reasonsAfter.packets(reason) - reasonsBefore.packets(reason),
                        reasonsAfter.bytes(reason) - reasonsBefore.bytes(reason)})
                        .as("seed %d set %d: packets/bytes for reason %s", seed, s, reason).containsExactly(want);
            }
            List<RuleCounters> rulesAfter = classifier.maps().ruleCounters(applied.counterIds());
            int set = s;
            IntStream.range(0, expectedRules.length).forEach(i -> assertThat(new long[] {
                    rulesAfter.get(i).packets() - rulesBefore.get(i).packets(), rulesAfter.get(i).bytes() - rulesBefore.get(i).bytes()})
                    .as("seed %d set %d: packets/bytes of rule %d (%s)", seed, set, i, ruleSet.rules().get(i).key())
                    .containsExactly(expectedRules[i]));
        }
        assertThat(cases).isGreaterThanOrEqualTo(10_000);
        assertThat(laterWordMatches).as("seed %d: packets whose first matching rule lies beyond the first 64", seed)
                .isGreaterThanOrEqualTo(sets / 5); // typically 90-370; seed 80514617313700 gives 48
        assertThat(pastAuditRules).as("seed %d: packets whose first match is an Audit rule (the verdict is searched on)",
                seed).isGreaterThanOrEqualTo(sets);
        assertThat(decidedEarly).as("seed %d: packets the L4 entry's vector decides (xg_vec_hdr.decides) though rules "
                + "constrain addresses", seed).isGreaterThanOrEqualTo(sets); // typically 1,100-1,700
        assertThat(remembered).as("seed %d: entries of the search memo written over the sets", seed)
                .isGreaterThanOrEqualTo(sets); // typically 500-1,000
        for (Ipv4Answer kind : Ipv4Answer.values()) {
            assertThat(ipv4Answers[kind.ordinal()]).as("seed %d: IPv4 address lookups answered by %s", seed, kind)
                    .isGreaterThanOrEqualTo(sets); // typically 5-50 per set
        }
        for (Ipv6Answer kind : Ipv6Answer.values()) {
            assertThat(ipv6Answers[kind.ordinal()]).as("seed %d: IPv6 address lookups answered by %s", seed, kind)
                    .isGreaterThanOrEqualTo(sets); // typically 2-30 per set
        }
    }

    /**
     * Rules past bit 4096 live in the vectors' second summary half (its own words base, its candidates, a catch-all or
     * an Audit rule there): random rule sets never reach it, so here a random set follows 4,096-4,159 rules no random
     * packet can match (TCP port 1 to 100.64.0.0/10), and the kernel must still agree with the reference.
     */
    @Test
    void rulesInTheSecondHalfOfTheVectorsAgreeWithTheReference() throws Exception {
        Draws draws = Draws.seeded();
        long seed = draws.seed();
        Random random = draws.random();
        RandomRules rules = draws.rules();
        RandomPackets packets = draws.packets();
        long secondHalf = 0;
        for (int s = 0; s < 6; s++) {
            RuleSet tail = rules.ruleSet(48);
            List<MatchRule> all = new ArrayList<>();
            int padding = 4096 + random.nextInt(64);
            for (int i = 0; i < padding; i++) {
                all.add(new MatchRule("pad", "p" + i, RuleAction.Drop, false, false, AddressMatch.ANY,
                        AddressMatch.of(List.of(new IPAddressString("100.64.0.0/10").getAddress())), Protocol.TCP,
                        List.of(new Ports.Range(1, 1)), List.of(), Set.of(), 0, 0, false, 0));
            }
            all.addAll(tail.rules());
            RuleSet ruleSet = new RuleSet(all, tail.defaultVerdict());
            classifier.apply(ruleSet);
            for (int n = 0; n < 200; n++) {
                byte[] frame = packets.next();
                ParsedPacket parsed = PacketParser.parse(frame);
                Classification expected = ReferenceMatcher.classify(ruleSet, parsed, RateLimitDecider.ALWAYS);
                assertThat(classifier.testRun(frame).retval())
                        .as("seed %d (replay: -Dxdpguard.seed=%d), set %d, frame %s, parsed %s, expected %s", seed, seed, s,
                                PacketBuilder.toHex(frame), parsed, expected)
                        .isEqualTo(expected.drops() ? XdpAction.DROP.code() : XdpAction.PASS.code());
                if (expected.rule() >= 4096 || expected.auditRule() >= 4096) {
                    secondHalf++;
                }
            }
        }
        assertThat(secondHalf).as("seed %d: packets decided or counted past rule 4096", seed).isGreaterThanOrEqualTo(200);
    }

    /** Random rules and packets from one seed (-Dxdpguard.seed replays a failure). */
    private record Draws(long seed, Random random, RandomRules rules, RandomPackets packets) {
        static Draws seeded() {
            long seed = Long.getLong("xdpguard.seed", System.nanoTime());
            Random random = new Random(seed);
            return new Draws(seed, random, new RandomRules(random), new RandomPackets(random, RandomRules.addressPool(),
                    Arrays.stream(RandomRules.PORT_POOL).boxed().toList()));
        }
    }

    /** Where an IPv4 address lookup (one per used address dimension of a packet) finds its answer. */
    enum Ipv4Answer {
        /** the trie: a longer prefix lies inside the address's /24 (or its /16 has no chunk) */
        TRIE,
        /** the /16 table, no host inside */
        SIXTEEN,
        /** the /16 table with hosts inside, the address not one of them (host hash missed) */
        SIXTEEN_HOSTS_MISS,
        /** the /16 table with hosts inside, the address one of them (host hash hit) */
        SIXTEEN_HOSTS_HIT,
        /** the /24 chunk, no host inside */
        CHUNK,
        /** the /24 chunk with hosts inside (host hash hit or miss) */
        CHUNK_HOSTS
    }

    /** Where an IPv6 address lookup finds its answer (see xdpguard_abi.h). */
    enum Ipv6Answer {
        /** no entry for its /32, a final miss: no prefix of 1..31 bits */
        MISS,
        /** no entry for its /32, the trie: some prefix of 1..31 bits (or its /32 beyond the capacity) */
        MISS_TRIE,
        /** its /32's final entry, no host inside */
        SLASH32,
        /** its /32's final entry with hosts inside (host hash hit or miss) */
        SLASH32_HOSTS,
        /** its /48's final entry, under a next /32 */
        SLASH48,
        /** no entry for its /48, the final miss of its next /32 */
        SLASH48_MISS,
        /** the trie: its /32's or /48's entry is deeper, or its /48 has none and the /32's miss is deeper */
        TRIE
    }

    /**
     * Whether the kernel decides the packet from the L4 entry's pre-ANDed vector alone (its header's decides) while
     * some rule constrains an address, i.e. skipping lookups that the other packets make.
     */
    private static boolean decidedBeforeTheAddresses(CompiledRuleSet compiled, ParsedPacket parsed) {
        int used = compiled.dimsUsed();
        if ((used & (1 << Abi.DIM_L4)) == 0 || (used & ((1 << Abi.DIM_SRC) | (1 << Abi.DIM_DST))) == 0
                || parsed.outcome() != ParseOutcome.IP) {
            return false;
        }
        if ((used & (1 << Abi.DIM_SPORT)) != 0
                && compiled.sport()[parsed.sportIndex()] != compiled.defaultVec()[Abi.DIM_SPORT]) {
            return false;
        }
        int anded = compiled.l4SportDefault()[parsed.l4Index() >> 16][parsed.l4Index() & 0xffff];
        return compiled.vectors().decides()[anded] >= 0;
    }

    /** What one run of a packet adds to the reason and rule counters the reference expects. */
    private static void count(Classification expected, int bytes, Map<Reason, long[]> reasons, long[][] rules) {
        long[] reason = reasons.computeIfAbsent(expected.reason(), r -> new long[2]);
        reason[0]++;
        reason[1] += bytes;
        if (expected.auditReason() != null) {
            long[] audited = reasons.computeIfAbsent(expected.auditReason(), r -> new long[2]);
            audited[0]++;
            audited[1] += bytes;
        }
        if (expected.auditRule() >= 0) {
            rules[expected.auditRule()][0]++;
            rules[expected.auditRule()][1] += bytes;
        }
        if (expected.rule() >= 0) {
            rules[expected.rule()][0]++;
            rules[expected.rule()][1] += bytes;
        }
    }

    private static void countIpv6Answers(CompiledRuleSet compiled, ParsedPacket parsed, long[] counts) {
        if (parsed.outcome() != ParseOutcome.IP || parsed.family() != 6) {
            return;
        }
        if ((compiled.dimsUsed() & (1 << Abi.DIM_SRC)) != 0) {
            counts[ipv6Answer(compiled.src6Direct(), parsed.source()).ordinal()]++;
        }
        if ((compiled.dimsUsed() & (1 << Abi.DIM_DST)) != 0) {
            counts[ipv6Answer(compiled.dst6Direct(), parsed.destination()).ordinal()]++;
        }
    }

    private static Ipv6Answer ipv6Answer(Ipv6Direct direct, byte[] address) {
        long top48 = java.nio.ByteBuffer.wrap(address).getLong() >>> 16;
        int at = Arrays.binarySearch(direct.blocks(), Ipv6Direct.block(top48 & ~0xffffL, 32));
        if (at < 0) {
            return (direct.lookup(address) & Abi.DIR_FINAL) != 0 ? Ipv6Answer.MISS : Ipv6Answer.MISS_TRIE;
        }
        int entry = direct.entries()[at];
        if (entry == Abi.DIR_NEXT) {
            int inner = Arrays.binarySearch(direct.blocks(), Ipv6Direct.block(top48, 48));
            if (inner < 0) {
                return (direct.misses()[at] & Abi.DIR_FINAL) != 0 ? Ipv6Answer.SLASH48_MISS : Ipv6Answer.TRIE;
            }
            return (direct.entries()[inner] & Abi.DIR_FINAL) != 0 ? Ipv6Answer.SLASH48 : Ipv6Answer.TRIE;
        }
        if ((entry & Abi.DIR_FINAL) == 0) {
            return Ipv6Answer.TRIE;
        }
        return (entry & Abi.HOSTS_INSIDE) != 0 ? Ipv6Answer.SLASH32_HOSTS : Ipv6Answer.SLASH32;
    }

    private static void countIpv4Answers(CompiledRuleSet compiled, ParsedPacket parsed, long[] counts) {
        if (parsed.outcome() != ParseOutcome.IP || parsed.family() != 4) {
            return;
        }
        if ((compiled.dimsUsed() & (1 << Abi.DIM_SRC)) != 0) {
            counts[ipv4Answer(compiled.src4Direct(), compiled.srcHosts(), parsed.source()).ordinal()]++;
        }
        if ((compiled.dimsUsed() & (1 << Abi.DIM_DST)) != 0) {
            counts[ipv4Answer(compiled.dst4Direct(), compiled.dstHosts(), parsed.destination()).ordinal()]++;
        }
    }

    private static Ipv4Answer ipv4Answer(Ipv4Direct direct, PrefixTable hosts, byte[] mapped) {
        int address = java.nio.ByteBuffer.wrap(mapped, 12, 4).getInt();
        int entry = direct.lookup(address);
        boolean chunk = (direct.sixteens()[address >>> 16] & Abi.DIR_CHUNK) != 0;
        if ((entry & Abi.DIR_FINAL) == 0) {
            return Ipv4Answer.TRIE;
        }
        if ((entry & Abi.HOSTS_INSIDE) == 0) {
            return chunk ? Ipv4Answer.CHUNK : Ipv4Answer.SIXTEEN;
        }
        if (chunk) {
            return Ipv4Answer.CHUNK_HOSTS;
        }
        for (int i = 0; i < hosts.size(); i++) {
            if (Arrays.equals(hosts.address(i), mapped)) {
                return Ipv4Answer.SIXTEEN_HOSTS_HIT;
            }
        }
        return Ipv4Answer.SIXTEEN_HOSTS_MISS;
    }
}
