package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddressString;
import io.xdpguard.agent.dataplane.compile.Abi;
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
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The IPv4 /16 tables across changes that move one /16 between their kinds. Rule "inner" passes X, rule "net" drops
 * 10.1.0.0/16; X decides what the table holds for 10.1/16: elsewhere (final: the /16's vector), a /24 inside (deeper:
 * the trie decides) or a host inside (final with hosts inside: the host hash decides). Each change is written by
 * difference into the slot that held the rule set before the last, so every transition between the kinds happens
 * in both slots.
 */
@ExtendWith(RequiresBpf.class)
class Ipv4DirectTableTest {
    private static final int SIXTEEN = 0x0a01; // 10.1/16
    private static final String[] PROBES = {"10.1.2.3", "10.1.2.4", "10.1.9.9", "10.2.0.1", "192.0.2.1", "8.8.8.8"};

    private enum Inner {
        ELSEWHERE("192.0.2.0/24"), NETWORK_INSIDE("10.1.2.0/24"), HOST_INSIDE("10.1.2.3/32");

        final String prefix;

        Inner(String prefix) {
            this.prefix = prefix;
        }
    }

    @ParameterizedTest(name = "destination: {0}")
    @ValueSource(booleans = {false, true})
    void aSixteenTurnsFromFinalToDeeperToHostsInsideAndBack(boolean destination) throws Exception {
        Inner[] sequence = {Inner.ELSEWHERE, Inner.NETWORK_INSIDE, Inner.ELSEWHERE, Inner.NETWORK_INSIDE, Inner.HOST_INSIDE,
            Inner.ELSEWHERE, Inner.HOST_INSIDE, Inner.NETWORK_INSIDE, Inner.HOST_INSIDE, Inner.ELSEWHERE, Inner.ELSEWHERE};
        try (Classifier classifier = Classifier.load(null)) {
            for (Inner inner : sequence) {
                RuleSet ruleSet = ruleSet(inner, destination);
                Classifier.Applied applied = classifier.apply(ruleSet);

                int entry = Encoding.readU32(classifier.map(destination ? "xg_dst4_dir" : "xg_src4_dir")
                        .lookup(Encoding.u32(applied.slot() * Abi.DIR4_ENTRIES + SIXTEEN)).orElseThrow(), 0);
                int compiled = (destination ? applied.compiled().dst4Dir() : applied.compiled().src4Dir())[SIXTEEN];
                assertThat(entry).as("kernel entry for 10.1/16 after %s, slot %d", inner, applied.slot())
                        .isEqualTo(compiled);
                switch (inner) {
                    case ELSEWHERE -> assertThat(entry & (Abi.DIR_FINAL | Abi.HOSTS_INSIDE)).as(inner.name())
                            .isEqualTo(Abi.DIR_FINAL);
                    case NETWORK_INSIDE -> assertThat(entry).as(inner.name()).isEqualTo(Abi.DIR_DEEPER);
                    case HOST_INSIDE -> assertThat(entry & (Abi.DIR_FINAL | Abi.HOSTS_INSIDE)).as(inner.name())
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

    private static RuleSet ruleSet(Inner inner, boolean destination) {
        return new RuleSet(List.of(rule("inner", RuleAction.Pass, inner.prefix, destination),
                rule("net", RuleAction.Drop, "10.1.0.0/16", destination)), DefaultVerdict.PASS);
    }

    private static MatchRule rule(String name, RuleAction action, String prefix, boolean destination) {
        AddressMatch match = AddressMatch.of(List.of(new IPAddressString(prefix).getAddress()));
        return new MatchRule("f", name, action, false, false, destination ? AddressMatch.ANY : match,
                destination ? match : AddressMatch.ANY, Protocol.Any, List.of(), List.of(), Set.of(), 0, 0, false, 0);
    }
}
