package io.xdpguard.agent.dataplane.compile;

import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.xdpguard.agent.dataplane.packet.L4Class;
import io.xdpguard.agent.dataplane.packet.ParseOutcome;
import io.xdpguard.agent.dataplane.packet.ParsedPacket;
import io.xdpguard.agent.dataplane.rules.AddressMatch;
import io.xdpguard.agent.dataplane.rules.DefaultVerdict;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Exact addresses beyond the host maps' per-slot capacity go to the LPM tries, with the same verdicts. */
class HostCapacityTest {

    @Test
    void hostsBeyondTheCapacityBecomeFullLengthPrefixesWithTheSameVerdicts() throws Exception {
        List<IPAddress> hosts = new ArrayList<>();
        for (int i = 1; i <= 12; i++) {
            hosts.add(new IPAddressString("192.0.2." + i + "/32").getAddress());
            hosts.add(new IPAddressString("2001:db8::" + i + "/128").getAddress());
        }
        MatchRule exact = rule("exact", AddressMatch.of(hosts), 53);
        MatchRule net = rule("net", AddressMatch.of(List.of(new IPAddressString("192.0.2.0/28").getAddress(),
                new IPAddressString("2001:db8::/124").getAddress())), 80);
        RuleSet ruleSet = new RuleSet(List.of(exact, net), DefaultVerdict.PASS);
        int[] ids = CounterIds.NONE.assign(ruleSet).ids();

        CompiledRuleSet unlimited = RuleCompiler.compile(ruleSet, ids);
        CompiledRuleSet limited = RuleCompiler.compile(ruleSet, ids, 5);

        assertThat(unlimited.srcHosts().size()).isEqualTo(24);
        assertThat(limited.srcHosts().size()).isEqualTo(5);
        assertThat(limited.src4().size() + limited.src6().size())
                .isEqualTo(unlimited.src4().size() + unlimited.src6().size() + 19);
        for (int i = 0; i < limited.src4().size(); i++) {
            assertThat(limited.src4().length(i)).isLessThanOrEqualTo(32);
        }
        for (int last = 0; last <= 20; last++) {
            for (int port : new int[] {53, 80, 443}) {
                ParsedPacket v4 = udp(RuleCompiler.ipv4Mapped(new byte[] {(byte) 192, 0, 2, (byte) last}), 4, port);
                byte[] six = new IPAddressString("2001:db8::" + Integer.toHexString(last)).getAddress().getBytes();
                ParsedPacket v6 = udp(six, 6, port);
                for (ParsedPacket p : List.of(v4, v6)) {
                    assertThat(CompiledLookup.winner(limited, p)).as("%s port %d", last, port)
                            .isEqualTo(CompiledLookup.winner(unlimited, p));
                }
            }
        }
        // the capacity really decides something: an address of the first rule found through the LPM trie
        ParsedPacket viaLpm = udp(RuleCompiler.ipv4Mapped(new byte[] {(byte) 192, 0, 2, 12}), 4, 53);
        assertThat(CompiledLookup.winner(limited, viaLpm)).isEqualTo(0);
    }

    private static MatchRule rule(String name, AddressMatch sources, int port) {
        return new MatchRule("f", name, RuleAction.Drop, false, false, sources, AddressMatch.ANY, Protocol.UDP,
                List.of(new io.xdpguard.api.validation.Ports.Range(port, port)), List.of(), Set.of(), 0, 0, false, 0);
    }

    private static ParsedPacket udp(byte[] source16, int family, int port) {
        byte[] dst = RuleCompiler.ipv4Mapped(new byte[] {10, 0, 0, 1});
        return new ParsedPacket(ParseOutcome.IP, null, 64, List.of(), family == 4 ? 0x0800 : 0x86dd, family, source16,
                dst, 17, false, L4Class.UDP, port, L4Class.UDP.index(40000), 40000, port, ParsedPacket.ABSENT);
    }
}
