package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.Reason;
import io.xdpguard.agent.dataplane.compile.Abi;
import io.xdpguard.agent.dataplane.compile.CompiledRuleSet;
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
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.testing.RandomRules;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The backbone of the dataplane's correctness: on random rule sets and random packets, the kernel's verdict, the
 * winning rule and every counter equal the reference matcher's. 10,000 cases per run; -Dxdpguard.long=true runs
 * 200,000; -Dxdpguard.seed=N replays a failure. Every rule set is a change (a slot switch, the inactive slot written by
 * difference), and the IPv4 addresses meet every kind of /16 of the address /16 tables (counted, see {@link Sixteen}).
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
        long seed = Long.getLong("xdpguard.seed", System.nanoTime());
        Random random = new Random(seed);
        RandomRules rules = new RandomRules(random);
        RandomPackets packets = new RandomPackets(random, RandomRules.addressPool(),
                Arrays.stream(RandomRules.PORT_POOL).boxed().toList());
        int sets = Boolean.getBoolean("xdpguard.long") ? 2000 : 100;
        int cases = 0;
        long[] sixteens = new long[Sixteen.values().length];
        for (int s = 0; s < sets; s++) {
            RuleSet ruleSet = rules.ruleSet(s % 10 == 9 ? 400 : 24);
            Classifier.Applied applied = classifier.apply(ruleSet);
            ReasonCounters reasonsBefore = classifier.maps().reasonCounters();
            List<RuleCounters> rulesBefore = classifier.maps().ruleCounters(applied.counterIds());
            Map<Reason, long[]> expectedReasons = new EnumMap<>(Reason.class);
            long[][] expectedRules = new long[ruleSet.rules().size()][2];

            for (int n = 0; n < 100; n++, cases++) {
                byte[] frame = packets.next();
                ParsedPacket parsed = PacketParser.parse(frame);
                Classification expected = ReferenceMatcher.classify(ruleSet, parsed, RateLimitDecider.ALWAYS);
                int retval = classifier.testRun(frame).retval();
                String context = "seed %d (replay: -Dxdpguard.seed=%d), set %d, frame %s, parsed %s, expected %s (%s)"
                        .formatted(seed, seed, s, PacketBuilder.toHex(frame), parsed, expected,
                                expected.rule() < 0 ? ruleSet.defaultVerdict() : ruleSet.rules().get(expected.rule()));
                assertThat(retval).as(context).isEqualTo(expected.drops() ? XdpAction.DROP.code() : XdpAction.PASS.code());
                countSixteens(applied.compiled(), parsed, sixteens);
                long[] reason = expectedReasons.computeIfAbsent(expected.reason(), r -> new long[2]);
                reason[0]++;
                reason[1] += frame.length;
                if (expected.rule() >= 0) {
                    expectedRules[expected.rule()][0]++;
                    expectedRules[expected.rule()][1] += frame.length;
                    RuleCounters now = classifier.maps().ruleCounters(applied.counterIds()[expected.rule()]);
                    RuleCounters was = rulesBefore.get(expected.rule());
                    assertThat(now.packets() - was.packets()).as("winning rule counter, " + context)
                            .isEqualTo(expectedRules[expected.rule()][0]);
                }
            }

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
        for (Sixteen kind : Sixteen.values()) {
            assertThat(sixteens[kind.ordinal()]).as("seed %d: IPv4 address lookups in a /16 %s", seed, kind)
                    .isGreaterThanOrEqualTo(sets); // typically 5-50 per set
        }
    }

    /** What the /16 table says about the /16 of an address looked up (one per used address dimension of a packet). */
    enum Sixteen {
        /** a prefix longer than /16 lies inside: the trie decides */
        DEEPER,
        /** final, no host inside */
        FINAL,
        /** final with hosts inside, the address not one of them (host hash missed) */
        FINAL_HOSTS_MISS,
        /** final with hosts inside, the address one of them (host hash hit) */
        FINAL_HOSTS_HIT
    }

    private static void countSixteens(CompiledRuleSet compiled, ParsedPacket parsed, long[] counts) {
        if (parsed.outcome() != ParseOutcome.IP || parsed.family() != 4) {
            return;
        }
        if ((compiled.dimsUsed() & (1 << Abi.DIM_SRC)) != 0) {
            counts[sixteen(compiled.src4Dir(), compiled.srcHosts(), parsed.source()).ordinal()]++;
        }
        if ((compiled.dimsUsed() & (1 << Abi.DIM_DST)) != 0) {
            counts[sixteen(compiled.dst4Dir(), compiled.dstHosts(), parsed.destination()).ordinal()]++;
        }
    }

    private static Sixteen sixteen(int[] dir, PrefixTable hosts, byte[] mapped) {
        int entry = dir[(mapped[12] & 0xff) << 8 | mapped[13] & 0xff];
        if ((entry & Abi.DIR_FINAL) == 0) {
            return Sixteen.DEEPER;
        }
        if ((entry & Abi.HOSTS_INSIDE) == 0) {
            return Sixteen.FINAL;
        }
        for (int i = 0; i < hosts.size(); i++) {
            if (Arrays.equals(hosts.address(i), mapped)) {
                return Sixteen.FINAL_HOSTS_HIT;
            }
        }
        return Sixteen.FINAL_HOSTS_MISS;
    }
}
