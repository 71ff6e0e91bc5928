package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.Reason;
import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.RuleMerger;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The kernel's token buckets pass what the rate allows and drop (or, audited, count) the rest. */
@ExtendWith(RequiresBpf.class)
class RateLimitTest {
    private Classifier classifier;

    @BeforeEach
    void load() {
        classifier = Classifier.load(null);
    }

    @AfterEach
    void close() {
        classifier.close();
    }

    @Test
    void burstPassesThenTheRestIsDroppedAndCounted() throws Exception {
        apply("Enforce", 1, 5, "Rule");
        int passed = send("192.0.2.1", 20);

        assertThat(passed).isEqualTo(5);
        assertThat(classifier.maps().ruleCounters(classifier.currentCounterIds()[0]))
                .isEqualTo(new RuleCounters(20, 20L * frame("192.0.2.1").length, 15));
        assertThat(classifier.maps().reasonCounters().packets(Reason.RATE_LIMIT_DROP)).isEqualTo(15);
    }

    @Test
    void perSourceBucketsAreIndependent() throws Exception {
        apply("Enforce", 1, 5, "Source");

        assertThat(send("192.0.2.1", 10)).isEqualTo(5);
        assertThat(send("192.0.2.7", 10)).isEqualTo(5);
        assertThat(send("2001:db8::9", 10)).isEqualTo(5);
    }

    @Test
    void auditedRateLimitPassesEverythingAndCountsWouldDrops() throws Exception {
        apply("Audit", 1, 5, "Rule");

        assertThat(send("192.0.2.1", 20)).isEqualTo(20);
        assertThat(classifier.maps().reasonCounters().packets(Reason.AUDIT_WOULD_DROP)).isEqualTo(15);
        // The audited rule decides nothing: every packet takes the default (Pass), which is what counts as verdict.
        assertThat(classifier.maps().reasonCounters().packets(Reason.DEFAULT_PASS)).isEqualTo(20);
        assertThat(classifier.maps().reasonCounters().packets(Reason.RATE_LIMIT_PASS)).isZero();
    }

    @Test
    void passCountStaysWithinTheBucketBoundsOverAMeasuredWindow() throws Exception {
        long rate = 2000;
        long burst = 10;
        apply("Enforce", rate, burst, "Rule");
        byte[] frame = frame("192.0.2.1");
        long passed = 0;
        long sent = 0;
        long start = System.nanoTime();
        long end;
        do {
            if (classifier.testRun(frame).retval() == XdpAction.PASS.code()) {
                passed++;
            }
            sent++;
            end = System.nanoTime();
        } while (end - start < 300_000_000L);
        double seconds = (end - start) / 1e9;

        // Never more than the bucket allows; at least most of it when the sender outpaces the rate (a starved
        // sender on a loaded machine leaves tokens unused, hence the generous lower bound).
        assertThat(passed).as("passed of %d sent in %.3f s", sent, seconds)
                .isLessThanOrEqualTo(burst + (long) Math.ceil(rate * seconds) + 1)
                .isGreaterThanOrEqualTo(Math.min(sent, burst + (long) (rate * seconds * 0.5)));
    }

    private void apply(String enforcement, long pps, long burst, String per) throws Exception {
        RuleSet ruleSet = RuleMerger.merge(List.of(Filters.filter("limits", """
                interfaces: {include: [eth0]}
                enforcement: %s
                rules:
                  - {name: dns, action: RateLimit, protocol: UDP, ports: ["53"],
                     rateLimit: {packetsPerSecond: %d, burst: %d, per: %s}}
                """.formatted(enforcement, pps, burst, per))), Map.of(), FailsafeConfig.disabled());
        classifier.apply(ruleSet);
    }

    private int send(String source, int count) {
        byte[] frame = frame(source);
        int passed = 0;
        for (int i = 0; i < count; i++) {
            if (classifier.testRun(frame).retval() == XdpAction.PASS.code()) {
                passed++;
            }
        }
        return passed;
    }

    private static byte[] frame(String source) {
        String destination = source.contains(":") ? "2001:db8::2" : "192.0.2.2";
        return (source.contains(":") ? PacketBuilder.udp6(source, 40000, destination, 53)
                : PacketBuilder.udp4(source, 40000, destination, 53)).build();
    }
}
