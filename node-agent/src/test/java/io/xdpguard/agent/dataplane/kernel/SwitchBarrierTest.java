package io.xdpguard.agent.dataplane.kernel;

import static io.xdpguard.agent.dataplane.kernel.BpffsTestRoot.verdict;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An apply returns at its switch; the wait until no packet is still classified with the previous slot runs in the
 * background, and the next change must not write that slot before the wait is over.
 */
@ExtendWith(RequiresBpf.class)
class SwitchBarrierTest {
    private static final byte[] FROM_TEN = PacketBuilder.udp4("10.1.2.3", 40000, "192.0.2.2", 53).build();
    private static final byte[] FROM_SEVENTEEN = PacketBuilder.udp4("172.16.5.5", 40000, "192.0.2.2", 53).build();

    @RegisterExtension
    final BpffsTestRoot root = new BpffsTestRoot();

    @Test
    void theNextChangeWritesNothingWhilePacketsOfThePreviousSwitchMayBeInFlight() throws Exception {
        try (Classifier classifier = Classifier.load(ObjectBytes.shipped(), root.path(), MapCapacities.DEFAULT)) {
            classifier.apply(dropFrom("[10.0.0.0/8]"));
            CountDownLatch packetsDone = new CountDownLatch(1);
            classifier.setInFlightWait(maps -> {
                try {
                    packetsDone.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                maps.awaitInFlightPackets();
            });

            classifier.apply(dropFrom("[10.0.0.0/8, 192.168.0.0/16]")); // returns although its wait has not ended
            ClassifierMaps.Active switched = classifier.maps().active();
            int previousSlot = 1 - switched.slot();
            int previousRules = classifier.maps().ruleCount(previousSlot);
            CompletableFuture<Classifier.Applied> next = CompletableFuture.supplyAsync(() -> {
                try {
                    return classifier.apply(RuleMerger.merge(List.of(Filters.filter("barrier", """
                            interfaces: {include: [eth0]}
                            rules:
                              - {name: drop, action: Drop, protocol: UDP, sources: [10.0.0.0/8]}
                              - {name: drop-17, action: Drop, protocol: UDP, sources: [172.16.0.0/12]}
                              - {name: drop-192, action: Drop, protocol: UDP, sources: [192.168.0.0/16]}
                            """)), Map.of(), FailsafeConfig.disabled()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            try {
                TimeUnit.MILLISECONDS.sleep(300); // the next apply compiles, then must wait
                assertThat(next).isNotDone();
                assertThat(classifier.maps().active()).isEqualTo(switched);
                assertThat(classifier.maps().ruleCount(previousSlot)).as("the previous slot untouched")
                        .isEqualTo(previousRules);
                assertThat(verdict(classifier, FROM_SEVENTEEN)).isEqualTo(XdpAction.PASS);
            } finally {
                packetsDone.countDown(); // also when an assertion failed: closing the classifier waits for it
            }
            assertThat(next.get(10, TimeUnit.SECONDS).slot()).isEqualTo(previousSlot);
            assertThat(verdict(classifier, FROM_SEVENTEEN)).isEqualTo(XdpAction.DROP);
            assertThat(verdict(classifier, FROM_TEN)).isEqualTo(XdpAction.DROP);
        }
    }

    private static RuleSet dropFrom(String sources) throws Exception {
        return RuleMerger.merge(List.of(Filters.filter("barrier", """
                interfaces: {include: [eth0]}
                rules:
                  - {name: drop, action: Drop, protocol: UDP, sources: %s}
                """.formatted(sources))), Map.of(), FailsafeConfig.disabled());
    }
}
