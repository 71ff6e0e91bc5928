package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.xdpguard.agent.dataplane.Reason;
import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.packet.PacketParser;
import io.xdpguard.agent.dataplane.reference.Classification;
import io.xdpguard.agent.dataplane.reference.RateLimitDecider;
import io.xdpguard.agent.dataplane.reference.ReferenceMatcher;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.RuleMerger;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import io.xdpguard.api.v1alpha1.XdpFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An Audit filter is counted, never the verdict: beside an enforced allow-list it must not open what the allow-list
 * closes, nor let through what an enforced blocklist below it drops. Kernel and reference matcher alike.
 */
@ExtendWith(RequiresBpf.class)
class AuditSemanticsTest {

    /** The repository's audit example (priority 500, "audit-..." sorts first) beside its allow-list example. */
    @Test
    void theAuditExampleBesideTheAllowListOpensNothing() throws Exception {
        RuleSet ruleSet = RuleMerger.merge(List.of(example("audit-mode.yaml"), example("allowlist-ssh-https.yaml")),
                Map.of(), FailsafeConfig.disabled());
        byte[] smb = PacketBuilder.tcp4("203.0.113.5", 40000, "192.0.2.2", 445).build();
        try (Classifier classifier = Classifier.load(null)) {
            classifier.apply(ruleSet);
            Observed seen = run(classifier, ruleSet, smb);

            assertThat(seen.retval).as("dropped by the allow-list's default").isEqualTo(XdpAction.DROP.code());
            assertThat(seen.reference.reason()).isEqualTo(Reason.DEFAULT_DROP);
            assertThat(seen.reasons(Reason.DEFAULT_DROP)).isEqualTo(1);
            assertThat(seen.reasons(Reason.AUDIT_WOULD_DROP)).as("and counted as the audit's would-drop").isEqualTo(1);
            assertThat(ruleSet.rules().get(seen.reference.auditRule()).key()).isEqualTo("audit-telnet-smb/smb");
            assertThat(seen.ruleDelta(seen.reference.auditRule())).isEqualTo(1);
        }
    }

    @Test
    void anAuditedPassAboveAnEnforcedBlocklistLetsNothingThrough() throws Exception {
        RuleSet ruleSet = RuleMerger.merge(List.of(Filters.filter("a-try-allow", """
                interfaces: {include: [eth0]}
                enforcement: Audit
                rules:
                  - {name: web, action: Pass, protocol: TCP, ports: ["443"]}
                """), Filters.filter("b-block", """
                interfaces: {include: [eth0]}
                rules:
                  - {name: bad-net, action: Drop, sources: [198.51.100.0/24]}
                """)), Map.of(), FailsafeConfig.disabled());
        byte[] fromBadNet = PacketBuilder.tcp4("198.51.100.9", 40000, "192.0.2.2", 443).build();
        try (Classifier classifier = Classifier.load(null)) {
            classifier.apply(ruleSet);
            Observed seen = run(classifier, ruleSet, fromBadNet);

            assertThat(seen.retval).isEqualTo(XdpAction.DROP.code());
            assertThat(ruleSet.rules().get(seen.reference.rule()).key()).isEqualTo("b-block/bad-net");
            assertThat(seen.reasons(Reason.RULE_DROP)).isEqualTo(1);
            assertThat(seen.reasons(Reason.RULE_PASS)).as("the audited Pass decides nothing").isZero();
            assertThat(seen.reference.auditReason()).as("a Pass would not have dropped").isNull();
            assertThat(seen.ruleDelta(seen.reference.auditRule())).as("but it is counted").isEqualTo(1);
            assertThat(seen.ruleDelta(seen.reference.rule())).isEqualTo(1);
        }
    }

    private record Observed(int retval, Classification reference, ReasonCounters before, ReasonCounters after,
            long[] rulesBefore, long[] rulesAfter) {
        long reasons(Reason reason) {
            return after.packets(reason) - before.packets(reason);
        }

        long ruleDelta(int rule) {
            return rulesAfter[rule] - rulesBefore[rule];
        }
    }

    private static Observed run(Classifier classifier, RuleSet ruleSet, byte[] frame) {
        Classification reference = ReferenceMatcher.classify(ruleSet, PacketParser.parse(frame), RateLimitDecider.ALWAYS);
        ReasonCounters before = classifier.maps().reasonCounters();
        long[] rulesBefore = rulePackets(classifier);
        int retval = classifier.testRun(frame).retval();
        assertThat(retval).as("kernel and reference agree")
                .isEqualTo(reference.drops() ? XdpAction.DROP.code() : XdpAction.PASS.code());
        return new Observed(retval, reference, before, classifier.maps().reasonCounters(), rulesBefore,
                rulePackets(classifier));
    }

    private static long[] rulePackets(Classifier classifier) {
        return classifier.maps().ruleCounters(classifier.currentCounterIds()).stream().mapToLong(RuleCounters::packets)
                .toArray();
    }

    private static XdpFilter example(String file) throws Exception {
        XdpFilter filter = Serialization.unmarshal(Files.readString(Path.of("../examples", file)), XdpFilter.class);
        filter.getMetadata().setGeneration(1L);
        return filter;
    }
}
