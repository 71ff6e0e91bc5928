package io.xdpguard.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.InterfacePlan;
import io.xdpguard.agent.dataplane.InterfaceReport;
import io.xdpguard.agent.dataplane.Reason;
import io.xdpguard.agent.dataplane.kernel.ReasonCounters;
import io.xdpguard.agent.dataplane.kernel.RuleCounters;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.RuleMerger;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.api.v1alpha1.spec.AttachMode;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The Prometheus counters never go backwards, even when the dataplane cannot be read for a moment. */
class AgentMetricsTest {

    @Test
    void aFailedReadKeepsTheLastValuesInsteadOfZero() throws Exception {
        AtomicBoolean failing = new AtomicBoolean();
        Dataplane dataplane = new Dataplane() {
            @Override
            public List<InterfaceReport> apply(List<InterfacePlan> plans) {
                return List.of();
            }

            @Override
            public List<InterfaceReport> observe() {
                return List.of();
            }

            @Override
            public Optional<Counters> counters(String interfaceName) {
                if (failing.get()) {
                    throw new IllegalStateException("map read failed");
                }
                return Optional.of(new Counters(Map.of("block/r", new RuleCounters(7, 700, 0)), new ReasonCounters(new EnumMap<>(Reason.class)),
                        Map.of()));
            }

            @Override
            public Removal removeAll() {
                return new Removal(List.of(), List.of());
            }

            @Override
            public void close() {
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AgentMetrics metrics = new AgentMetrics(registry, dataplane);
        RuleSet rules = RuleMerger.merge(List.of(Filters.filter("block", """
                interfaces: {include: [eth0]}
                rules: [{name: r, action: Drop, sources: [192.0.2.0/24]}]
                """)), Map.of(), FailsafeConfig.disabled());
        metrics.enforced(List.of(new InterfacePlan("eth0", AttachMode.Auto, rules, "id")), List.of(), false);

        assertThat(packets(registry)).isEqualTo(7);
        failing.set(true);
        Thread.sleep(1100); // past the read cache
        assertThat(packets(registry)).as("not a reset to 0").isEqualTo(7);
        java.lang.ref.Reference.reachabilityFence(metrics); // meters hold it weakly
    }

    @Test
    void ruleSeriesTellAnAuditFiltersRulesFromEnforcedOnes() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AgentMetrics metrics = new AgentMetrics(registry, new io.xdpguard.agent.dataplane.testing.FakeDataplane());
        RuleSet rules = RuleMerger.merge(List.of(Filters.filter("trial", """
                interfaces: {include: [eth0]}
                enforcement: Audit
                rules: [{name: r, action: Drop, sources: [192.0.2.0/24]}]
                """), Filters.filter("block", """
                interfaces: {include: [eth0]}
                rules: [{name: r, action: Drop, sources: [198.51.100.0/24]}]
                """)), Map.of(), FailsafeConfig.disabled());
        metrics.enforced(List.of(new InterfacePlan("eth0", AttachMode.Auto, rules, "id")), List.of(), false);

        assertThat(registry.find(AgentMetrics.RULE_PACKETS).tags("filter", "trial", "action", "Drop", "enforcement",
                "Audit").functionCounter()).isNotNull();
        assertThat(registry.find(AgentMetrics.RULE_PACKETS).tags("filter", "block", "action", "Drop", "enforcement",
                "Enforce").functionCounter()).isNotNull();
    }

    @Test
    void ruleSeriesFollowTheRulesInForceWhenAnInterfaceKeepsItsPreviousRuleSet() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AgentMetrics metrics = new AgentMetrics(registry, new io.xdpguard.agent.dataplane.testing.FakeDataplane());
        InterfacePlan before = new InterfacePlan("eth0", AttachMode.Auto, RuleMerger.merge(List.of(Filters.filter("a", """
                interfaces: {include: [eth0]}
                rules: [{name: r, action: Drop, sources: [192.0.2.0/24]}]
                """)), Map.of(), FailsafeConfig.disabled()), "set-a");
        InterfacePlan failed = new InterfacePlan("eth0", AttachMode.Auto, RuleMerger.merge(List.of(Filters.filter("b", """
                interfaces: {include: [eth0]}
                rules: [{name: r, action: Drop, sources: [198.51.100.0/24]}]
                """)), Map.of(), FailsafeConfig.disabled()), "set-b");
        metrics.enforced(List.of(before), List.of(report(InterfaceReport.State.ENFORCING, "set-a")), true);

        metrics.enforced(List.of(failed), List.of(report(InterfaceReport.State.FAILED, "set-a")), true);
        assertThat(registry.find(AgentMetrics.RULE_PACKETS).tag("filter", "a").functionCounter())
                .as("the kernel still counts set-a's rules").isNotNull();
        assertThat(registry.find(AgentMetrics.RULE_PACKETS).tag("filter", "b").functionCounter()).isNull();

        // the whole apply failed: observe() reports the interface enforcing, with the previous rule set
        metrics.enforced(List.of(failed), List.of(report(InterfaceReport.State.ENFORCING, "set-a")), false);
        assertThat(registry.find(AgentMetrics.RULE_PACKETS).tag("filter", "a").functionCounter()).isNotNull();
        assertThat(registry.find(AgentMetrics.RULE_PACKETS).tag("filter", "b").functionCounter()).isNull();

        metrics.enforced(List.of(failed), List.of(report(InterfaceReport.State.ENFORCING, "set-b")), true);
        assertThat(registry.find(AgentMetrics.RULE_PACKETS).tag("filter", "a").functionCounter()).isNull();
        assertThat(registry.find(AgentMetrics.RULE_PACKETS).tag("filter", "b").functionCounter()).isNotNull();
    }

    private static InterfaceReport report(InterfaceReport.State state, String ruleSetId) {
        return new InterfaceReport("eth0", 2, state, "Native", 9, 1, ruleSetId, null, null);
    }

    private static double packets(SimpleMeterRegistry registry) {
        return registry.get(AgentMetrics.RULE_PACKETS).tag("rule", "r").functionCounter().count();
    }
}
