package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.RuleMerger;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No packet is ever classified by a mix of two rule sets. Set A drops UDP/53 from 10/8, set B drops UDP/80 from
 * 192.168/16; a packet from 10/8 to port 80 passes under both, and would be dropped only by a mix (A's source vector
 * ANDed with B's port vector). While one thread flips between A and B thousands of times, another test-runs packets.
 */
@ExtendWith(RequiresBpf.class)
class AtomicSwitchTest {
    private static final byte[] MIX_PROBE = PacketBuilder.udp4("10.1.1.1", 40000, "192.0.2.2", 80).build();
    private static final byte[] A_PROBE = PacketBuilder.udp4("10.1.1.1", 40000, "192.0.2.2", 53).build();

    @Test
    void verdictsAreAlwaysExactlyTheOldOrTheNewSets() throws Exception {
        RuleSet a = ruleSet("src: [10.0.0.0/8]", "53");
        RuleSet b = ruleSet("src: [192.168.0.0/16]", "80");
        int flips = Boolean.getBoolean("xdpguard.long") ? 20_000 : 2_000;
        try (Classifier classifier = Classifier.load(null)) {
            classifier.apply(a);
            AtomicBoolean flipping = new AtomicBoolean(true);
            AtomicLong mixed = new AtomicLong();
            AtomicLong probes = new AtomicLong();
            AtomicLong aDrops = new AtomicLong();
            AtomicLong aPasses = new AtomicLong();
            CompletableFuture<Void> prober = CompletableFuture.runAsync(() -> {
                while (flipping.get()) {
                    if (classifier.testRun(MIX_PROBE).retval() != XdpAction.PASS.code()) {
                        mixed.incrementAndGet();
                    }
                    (classifier.testRun(A_PROBE).retval() == XdpAction.DROP.code() ? aDrops : aPasses).incrementAndGet();
                    probes.incrementAndGet();
                }
            });
            try {
                for (int i = 0; i < flips; i++) {
                    classifier.apply(i % 2 == 0 ? b : a);
                }
            } finally {
                flipping.set(false);
                prober.get(30, TimeUnit.SECONDS);
            }

            assertThat(mixed.get()).as("packets classified by a mix of sets A and B, out of %d", probes.get()).isZero();
            assertThat(aDrops.get()).as("probes classified by set A").isPositive();
            assertThat(aPasses.get()).as("probes classified by set B").isPositive();
        }
    }

    private static RuleSet ruleSet(String sources, String port) throws Exception {
        return RuleMerger.merge(List.of(Filters.filter("flip", """
                interfaces: {include: [eth0]}
                rules:
                  - {name: drop, action: Drop, protocol: UDP, ports: ["%s"], sources: %s}
                """.formatted(port, sources.substring(sources.indexOf('['))))), Map.of(), FailsafeConfig.disabled());
    }
}
