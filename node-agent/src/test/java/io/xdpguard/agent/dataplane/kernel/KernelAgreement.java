package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.packet.PacketParser;
import io.xdpguard.agent.dataplane.reference.Classification;
import io.xdpguard.agent.dataplane.reference.RateLimitDecider;
import io.xdpguard.agent.dataplane.reference.ReferenceMatcher;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import java.util.stream.IntStream;

/** The kernel's verdict and rule counters for one UDP packet equal the reference matcher's. */
final class KernelAgreement {
    private KernelAgreement() {
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
