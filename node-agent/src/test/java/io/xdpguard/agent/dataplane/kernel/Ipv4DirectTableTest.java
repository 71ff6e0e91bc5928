package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddressString;
import io.xdpguard.agent.dataplane.compile.Abi;
import io.xdpguard.agent.dataplane.compile.Ipv4Direct;
import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.packet.PacketParser;
import io.xdpguard.agent.dataplane.reference.RateLimitDecider;
import io.xdpguard.agent.dataplane.reference.ReferenceMatcher;
import io.xdpguard.agent.dataplane.rules.AddressMatch;
import io.xdpguard.agent.dataplane.rules.DefaultVerdict;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The IPv4 direct tables across changes that move one /16 and one /24 between their kinds. Rule "inner" passes some
 * prefixes, rule "net" drops 10.1.0.0/16; the inner prefixes decide what the tables hold for 10.1/16 and 10.1.2/24:
 * elsewhere (the /16 final), a host inside (the /16 final with hosts inside: the host hash decides), a /24 inside
 * (the /16 a chunk, the /24 final), a /25 inside (the /24 deeper: the trie decides) or a /24 and a host inside
 * another /24 (the host's /24 final with hosts inside). Each change is written by difference into the slot that held
 * the rule set before the last, so the transitions happen in both slots.
 */
@ExtendWith(RequiresBpf.class)
class Ipv4DirectTableTest {
    private static final int SIXTEEN = 0x0a01; // 10.1/16
    private static final int TWENTY_FOUR = 2; // 10.1.2/24 in its chunk
    private static final String[] PROBES = {"10.1.2.3", "10.1.2.4", "10.1.2.200", "10.1.3.1", "10.1.9.9", "10.2.0.1",
        "192.0.2.1", "8.8.8.8"};

    private enum Inner {
        ELSEWHERE("192.0.2.0/24"),
        HOST_INSIDE("10.1.2.3/32"),
        NETWORK_INSIDE("10.1.2.0/24"),
        LONGER_THAN_24_INSIDE("10.1.2.0/25"),
        HOST_INSIDE_A_CHUNK("10.1.3.0/24", "10.1.2.3/32");

        final String[] prefixes;

        Inner(String... prefixes) {
            this.prefixes = prefixes;
        }
    }

    @ParameterizedTest(name = "destination: {0}")
    @ValueSource(booleans = {false, true})
    void entriesTurnBetweenFinalChunkAndDeeperAndBack(boolean destination) throws Exception {
        Inner[] sequence = {Inner.ELSEWHERE, Inner.NETWORK_INSIDE, Inner.ELSEWHERE, Inner.NETWORK_INSIDE,
            Inner.HOST_INSIDE, Inner.ELSEWHERE, Inner.HOST_INSIDE, Inner.LONGER_THAN_24_INSIDE, Inner.NETWORK_INSIDE,
            Inner.HOST_INSIDE_A_CHUNK, Inner.LONGER_THAN_24_INSIDE, Inner.HOST_INSIDE_A_CHUNK, Inner.HOST_INSIDE,
            Inner.LONGER_THAN_24_INSIDE, Inner.ELSEWHERE, Inner.HOST_INSIDE_A_CHUNK, Inner.ELSEWHERE, Inner.ELSEWHERE};
        String dimension = destination ? "xg_dst4_dir" : "xg_src4_dir";
        try (Classifier classifier = Classifier.load(null)) {
            for (Inner inner : sequence) {
                RuleSet ruleSet = ruleSet(inner, destination);
                Classifier.Applied applied = classifier.apply(ruleSet);
                Ipv4Direct compiled = destination ? applied.compiled().dst4Direct() : applied.compiled().src4Direct();

                int entry = read(classifier, dimension, applied.slot() * Abi.DIR4_ENTRIES + SIXTEEN, 0);
                assertThat(entry).as("kernel /16 entry after %s, slot %d", inner, applied.slot())
                        .isEqualTo(compiled.sixteens()[SIXTEEN]);
                int chunkEntry = (entry & Abi.DIR_CHUNK) == 0 ? -1 : read(classifier, dimension + "24",
                        applied.slot() * classifier.maps().chunkCapacityPerSlot() + (entry & Abi.VEC_MASK), TWENTY_FOUR);
                if (chunkEntry != -1) {
                    assertThat(chunkEntry).as("kernel /24 entry after %s, slot %d", inner, applied.slot())
                            .isEqualTo(compiled.chunks()[(entry & Abi.VEC_MASK) * 256 + TWENTY_FOUR]);
                }
                int flags = Abi.DIR_FINAL | Abi.DIR_CHUNK | Abi.HOSTS_INSIDE;
                switch (inner) {
                    case ELSEWHERE -> assertThat(entry & flags).as(inner.name()).isEqualTo(Abi.DIR_FINAL);
                    case HOST_INSIDE -> assertThat(entry & flags).as(inner.name())
                            .isEqualTo(Abi.DIR_FINAL | Abi.HOSTS_INSIDE);
                    case NETWORK_INSIDE -> assertThat(chunkEntry & flags).as(inner.name()).isEqualTo(Abi.DIR_FINAL);
                    case LONGER_THAN_24_INSIDE -> assertThat(chunkEntry).as(inner.name()).isEqualTo(Abi.DIR_DEEPER);
                    case HOST_INSIDE_A_CHUNK -> assertThat(chunkEntry & flags).as(inner.name())
                            .isEqualTo(Abi.DIR_FINAL | Abi.HOSTS_INSIDE);
                }

                for (String probe : PROBES) {
                    byte[] frame = (destination ? PacketBuilder.udp4("198.51.100.1", 4000, probe, 53)
                            : PacketBuilder.udp4(probe, 4000, "198.51.100.1", 53)).build();
                    boolean drops = ReferenceMatcher.classify(ruleSet, PacketParser.parse(frame), RateLimitDecider.ALWAYS)
                            .drops();
                    assertThat(classifier.testRun(frame).retval()).as("%s with inner %s", probe, inner)
                            .isEqualTo(drops ? XdpAction.DROP.code() : XdpAction.PASS.code());
                }
            }
        }
    }

    /** Entry {@code entry} of element {@code index} (a /16 table's value is one entry, a /24 chunk's 256). */
    private static int read(Classifier classifier, String map, int index, int entry) {
        return Encoding.readU32(classifier.map(map).lookup(Encoding.u32(index)).orElseThrow(), entry * 4);
    }

    private static RuleSet ruleSet(Inner inner, boolean destination) {
        return new RuleSet(List.of(rule("inner", RuleAction.Pass, inner.prefixes, destination),
                rule("net", RuleAction.Drop, new String[] {"10.1.0.0/16"}, destination)), DefaultVerdict.PASS);
    }

    private static MatchRule rule(String name, RuleAction action, String[] prefixes, boolean destination) {
        AddressMatch match = AddressMatch.of(Arrays.stream(prefixes).map(p -> new IPAddressString(p).getAddress()).toList());
        return new MatchRule("f", name, action, false, false, destination ? AddressMatch.ANY : match,
                destination ? match : AddressMatch.ANY, Protocol.Any, List.of(), List.of(), Set.of(), 0, 0, false, 0);
    }
}
