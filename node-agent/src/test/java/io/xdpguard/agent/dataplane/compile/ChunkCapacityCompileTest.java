package io.xdpguard.agent.dataplane.compile;

import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.packet.PacketParser;
import io.xdpguard.agent.dataplane.packet.ParsedPacket;
import io.xdpguard.agent.dataplane.reference.RateLimitDecider;
import io.xdpguard.agent.dataplane.reference.ReferenceMatcher;
import io.xdpguard.agent.dataplane.rules.AddressMatch;
import io.xdpguard.agent.dataplane.rules.DefaultVerdict;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The compiler gives /24 chunks to as many /16s as the slot capacity allows (more than the object's 1,024 when the
 * maps hold more), lowest first; the /16s beyond it stay {@link Abi#DIR_DEEPER} and their addresses are answered by
 * the trie with the same winning rules.
 */
class ChunkCapacityCompileTest {
    /** 1,500 /16s with a /24 inside: more than the default capacity. */
    private static final int SIXTEENS = 1500;

    @ParameterizedTest(name = "{0} chunks per slot")
    @ValueSource(ints = {4, Abi.DIR24_CHUNKS, 2048, Abi.DIR24_MAX_CHUNKS})
    void chunksGoToTheLowestSixteensUpToTheCapacityAndTheRestToTheTrie(int chunks) throws Exception {
        RuleSet ruleSet = ruleSet();
        CompiledRuleSet compiled = RuleCompiler.compile(ruleSet, CounterIds.NONE.assign(ruleSet).ids(),
                new SlotCapacity(Integer.MAX_VALUE, chunks, Abi.DIR6_BLOCKS), null);

        Ipv4Direct direct = compiled.src4Direct();
        assertThat(direct.chunkCount()).isEqualTo(Math.min(chunks, SIXTEENS));
        for (int i = 0; i < SIXTEENS; i++) {
            int entry = direct.sixteens()[sixteen(i)];
            assertThat(entry).as("/16 #%d", i).isEqualTo(i < chunks ? Abi.DIR_CHUNK | i : Abi.DIR_DEEPER);
        }
        for (int i = 0; i < SIXTEENS; i += 7) {
            String net = address(i);
            for (String host : List.of(net + "5.9", net + "5.77", net + "6.1", net + "200.200")) {
                byte[] frame = PacketBuilder.udp4(host, 4000, "198.51.100.1", 53).build();
                ParsedPacket parsed = PacketParser.parse(frame);
                int expected = ReferenceMatcher.classify(ruleSet, parsed, RateLimitDecider.ALWAYS).rule();
                assertThat(CompiledLookup.winner(compiled, parsed)).as("%s with %d chunks", host, chunks)
                        .isEqualTo(expected);
            }
        }
    }

    /** Top 16 bits of the i-th /16: 20.0/16, 20.1/16, ... (1,500 of them, from 20.0 to 25.219). */
    private static int sixteen(int i) {
        return (20 << 8) + i;
    }

    private static String address(int i) {
        int top = sixteen(i);
        return (top >>> 8) + "." + (top & 0xff) + ".";
    }

    /** Rule "hosts" drops X.5.9 (exact), rule "nets" drops X.5.0/24, rule "wide" passes X/16, in every /16 X. */
    private static RuleSet ruleSet() {
        List<IPAddress> hosts = new ArrayList<>();
        List<IPAddress> nets = new ArrayList<>();
        List<IPAddress> wide = new ArrayList<>();
        for (int i = 0; i < SIXTEENS; i++) {
            String net = address(i);
            hosts.add(new IPAddressString(net + "5.9/32").getAddress());
            nets.add(new IPAddressString(net + "5.0/24").getAddress());
            wide.add(new IPAddressString(net + "0.0/16").getAddress());
        }
        return new RuleSet(List.of(rule("hosts", RuleAction.Drop, hosts), rule("nets", RuleAction.Drop, nets),
                rule("wide", RuleAction.Pass, wide)), DefaultVerdict.PASS);
    }

    private static MatchRule rule(String name, RuleAction action, List<IPAddress> sources) {
        return new MatchRule("f", name, action, false, false, AddressMatch.of(sources), AddressMatch.ANY, Protocol.Any,
                List.of(), List.of(), Set.of(), 0, 0, false, 0);
    }
}
