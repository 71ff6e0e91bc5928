package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.libbpf.BpfMap;
import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.rules.AddressMatch;
import io.xdpguard.agent.dataplane.rules.DefaultVerdict;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A host-hash write big enough to be split between threads (more than two batch chunks): every host lands in the
 * slot, in both slots, and the kernel drops exactly the listed sources.
 */
@ExtendWith(RequiresBpf.class)
class LargeHostWriteTest {
    private static final int HOSTS = 2 * BpfMap.BATCH_CHUNK + 12_345;

    @Test
    void everyHostOfALargeSetIsWrittenToTheHostHash() throws Exception {
        List<String> hosts = new ArrayList<>(HOSTS);
        for (int i = 0; i < HOSTS; i++) {
            hosts.add("10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255));
        }
        RuleSet ruleSet = new RuleSet(List.of(new MatchRule("big", "hosts", RuleAction.Drop, false, false,
                AddressMatch.parse(hosts), AddressMatch.ANY, Protocol.Any, List.of(), List.of(), Set.of(), 0, 0, false,
                0)), DefaultVerdict.PASS);
        try (Classifier classifier = Classifier.load(ObjectBytes.shipped(), null,
                MapCapacities.perSlot(HOSTS, 0, MapCapacities.DEFAULT_CHUNKS_PER_SLOT, 0))) {
            // twice: one write per slot
            for (int round = 0; round < 2; round++) {
                classifier.apply(ruleSet);
                int entries = 0;
                for (byte[] ignored : classifier.map("xg_src_host").keys()) {
                    entries++;
                }
                assertThat(entries).as("host entries after %d applies", round + 1).isEqualTo(HOSTS * (round + 1));
                for (String source : List.of(hosts.get(0), hosts.get(HOSTS / 2), hosts.get(HOSTS - 1))) {
                    assertThat(classifier.testRun(PacketBuilder.udp4(source, 4000, "198.51.100.1", 53).build()).retval())
                            .as(source).isEqualTo(XdpAction.DROP.code());
                }
                String unlisted = "10." + (HOSTS >> 16) + "." + ((HOSTS >> 8) & 255) + "." + ((HOSTS & 255) + 1);
                assertThat(classifier.testRun(PacketBuilder.udp4(unlisted, 4000, "198.51.100.1", 53).build()).retval())
                        .as(unlisted).isEqualTo(XdpAction.PASS.code());
            }
        }
    }
}
