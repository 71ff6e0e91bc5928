package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.Reason;
import io.xdpguard.agent.dataplane.libbpf.RingBuffer;
import io.xdpguard.agent.dataplane.packet.AddressText;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.RuleMerger;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Dropped packets of sampled rules reach userspace through the ring buffer, with rule and 5-tuple. */
@ExtendWith(RequiresBpf.class)
class DropSampleTest {

    @Test
    void sampledDropsCarryRuleReasonAndFiveTuple() throws Exception {
        try (Classifier classifier = classifierWith("""
                - {name: every-dns, action: Drop, protocol: UDP, ports: ["53"], sampleRate: 1}
                - {name: every-other-telnet, action: Drop, protocol: TCP, ports: ["23"], sampleRate: 2}
                - {name: unsampled, action: Drop, protocol: TCP, ports: ["25"]}
                """)) {
            List<DropSample> samples = new ArrayList<>();
            try (RingBuffer ring = classifier.dropSamples(samples::add)) {
                for (int i = 0; i < 3; i++) {
                    classifier.testRun(PacketBuilder.udp4("192.0.2.7", 4000 + i, "10.0.0.1", 53).build());
                }
                for (int i = 0; i < 4; i++) {
                    classifier.testRun(PacketBuilder.tcp6("2001:db8::7", 5000, "2001:db8::1", 23).build());
                    classifier.testRun(PacketBuilder.tcp4("192.0.2.7", 5000, "10.0.0.1", 25).build());
                }
                ring.poll(100);
            }

            assertThat(samples).filteredOn(s -> "samples/every-dns".equals(s.ruleKey())).hasSize(3).allSatisfy(s -> {
                assertThat(s.reason()).isEqualTo(Reason.RULE_DROP);
                assertThat(s.family()).isEqualTo(4);
                assertThat(s.protocol()).isEqualTo(17);
                assertThat(s.source().getHostAddress()).isEqualTo("192.0.2.7");
                assertThat(s.destination().getHostAddress()).isEqualTo("10.0.0.1");
                assertThat(s.destinationPort()).isEqualTo(53);
            });
            assertThat(samples).extracting(DropSample::sourcePort).contains(4000, 4001, 4002);
            // 1 in N counts per CPU: 4 packets spread over CPUs give 1 or 2 samples, never more.
            assertThat(samples).filteredOn(s -> "samples/every-other-telnet".equals(s.ruleKey())).hasSizeBetween(1, 2)
                    .allSatisfy(s -> assertThat(AddressText.of(s.source())).isEqualTo("2001:db8::7"));
            assertThat(samples).noneMatch(s -> "samples/unsampled".equals(s.ruleKey()));
        }
    }

    @Test
    void anIpv4MappedSourceOfAnIpv6PacketStaysIpv6() {
        ByteBuffer record = ByteBuffer.allocate(DropSample.SIZE).order(ByteOrder.nativeOrder());
        record.putInt(16, 0).putInt(20, Reason.RULE_DROP.ordinal()).put(24, (byte) 6).put(25, (byte) 17);
        record.put(32, PacketBuilder.addressLiteral("::ffff:192.0.2.1")).put(48, PacketBuilder.addressLiteral("2001:db8::1"));

        DropSample sample = DropSample.decode(record.array(), id -> "f/r");

        assertThat(AddressText.of(sample.source())).isEqualTo("::ffff:192.0.2.1");
        assertThat(AddressText.of(sample.destination())).isEqualTo("2001:db8::1");
    }

    @Test
    void aRateLimitRuleSamplesOneInNOfItsDropsNotOfItsPackets() throws Exception {
        try (Classifier classifier = classifierWith("""
                - {name: dns, action: RateLimit, protocol: UDP, ports: ["53"], sampleRate: 2,
                   rateLimit: {packetsPerSecond: 1, burst: 3}}
                """)) {
            List<DropSample> samples = new ArrayList<>();
            try (RingBuffer ring = classifier.dropSamples(samples::add)) {
                // One run of 10 on one CPU (the counters are per CPU): 3 pass on the full bucket, 7 are dropped.
                classifier.program().testRun(PacketBuilder.udp4("192.0.2.7", 4000, "10.0.0.1", 53).build(), 10);
                ring.poll(100);
            }

            assertThat(classifier.maps().ruleCounters(classifier.currentCounterIds()[0]).rateLimited()).isEqualTo(7);
            // drops 2, 4 and 6 of 7; counting packets instead would sample packets 4, 6, 8 and 10
            assertThat(samples).hasSize(3).allSatisfy(s -> assertThat(s.reason()).isEqualTo(Reason.RATE_LIMIT_DROP));
        }
    }

    /** A classifier of its own enforcing filter "samples" with these rules (a YAML list) on eth0, failsafe off. */
    private static Classifier classifierWith(String rules) throws Exception {
        Classifier classifier = Classifier.load(null);
        try {
            classifier.apply(RuleMerger.merge(List.of(Filters.filter("samples",
                    "interfaces: {include: [eth0]}\nrules:\n" + rules.indent(2))), Map.of(), FailsafeConfig.disabled()));
            return classifier;
        } catch (Exception | Error e) {
            classifier.close();
            throw e;
        }
    }
}
