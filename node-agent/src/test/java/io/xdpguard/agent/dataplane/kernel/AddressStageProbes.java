package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddressString;
import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.packet.PacketParser;
import io.xdpguard.agent.dataplane.reference.Classification;
import io.xdpguard.agent.dataplane.reference.RateLimitDecider;
import io.xdpguard.agent.dataplane.reference.ReferenceMatcher;
import io.xdpguard.agent.dataplane.rules.AddressMatch;
import io.xdpguard.agent.dataplane.rules.DefaultVerdict;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.api.validation.Ports;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * What the capacity tests of the direct stages (IPv4 /16 and /24, IPv6 /32 and /48) share: a rule set whose
 * prefixes give every kind of stage entry, per address dimension, and the check that the kernel's verdict and rule
 * counters for one packet equal the reference matcher's.
 */
final class AddressStageProbes {
    private AddressStageProbes() {
    }

    /**
     * Per dimension (source, then destination): Drop {@code odd} (UDP {@code port}), Drop {@code hosts}, Pass
     * {@code nets}, Drop {@code far}.
     */
    static RuleSet ruleSet(List<String> odd, List<String> hosts, List<String> nets, List<String> far, int port) {
        List<MatchRule> rules = new ArrayList<>();
        for (boolean destination : new boolean[] {false, true}) {
            String side = destination ? "dst-" : "src-";
            rules.add(rule(side + "odd", RuleAction.Drop, odd, destination, port));
            rules.add(rule(side + "hosts", RuleAction.Drop, hosts, destination, 0));
            rules.add(rule(side + "net", RuleAction.Pass, nets, destination, 0));
            rules.add(rule(side + "far", RuleAction.Drop, far, destination, 0));
        }
        return new RuleSet(rules, DefaultVerdict.PASS);
    }

    private static MatchRule rule(String name, RuleAction action, List<String> prefixes, boolean destination, int port) {
        AddressMatch match = AddressMatch.of(prefixes.stream().map(p -> new IPAddressString(p).getAddress()).toList());
        return new MatchRule("f", name, action, false, false, destination ? AddressMatch.ANY : match,
                destination ? match : AddressMatch.ANY, port == 0 ? Protocol.Any : Protocol.UDP,
                port == 0 ? List.of() : List.of(new Ports.Range(port, port)), List.of(), Set.of(), 0, 0, false, 0);
    }

    /**
     * @param address     the probed address, IPv4 or IPv6
     * @param peer        the other end's address, of the same family
     * @param destination whether the probed address is the destination (else the source)
     */
    static void assertKernelAgrees(Classifier classifier, Classifier.Applied applied, RuleSet ruleSet, String address,
            String peer, boolean destination) {
        boolean v6 = address.contains(":");
        String source = destination ? peer : address;
        String target = destination ? address : peer;
        byte[] frame = (v6 ? PacketBuilder.udp6(source, 4000, target, 53) : PacketBuilder.udp4(source, 4000, target, 53))
                .build();
        Classification expected = ReferenceMatcher.classify(ruleSet, PacketParser.parse(frame), RateLimitDecider.ALWAYS);
        long[] before = IntStream.of(applied.counterIds()).mapToLong(id -> classifier.maps().ruleCounters(id).packets())
                .toArray();
        int retval = classifier.testRun(frame).retval();
        String context = (destination ? "to " : "from ") + address + ", slot " + applied.slot() + ", expected " + expected;
        assertThat(retval).as(context).isEqualTo(expected.drops() ? XdpAction.DROP.code() : XdpAction.PASS.code());
        for (int r = 0; r < before.length; r++) {
            long counted = classifier.maps().ruleCounters(applied.counterIds()[r]).packets() - before[r];
            assertThat(counted).as("rule %d counted, %s", r, context).isEqualTo(r == expected.rule() ? 1 : 0);
        }
    }
}
