package io.xdpguard.operator.status;

import static io.xdpguard.operator.testing.Fixtures.filter;
import static io.xdpguard.operator.testing.Fixtures.labels;
import static io.xdpguard.operator.testing.Fixtures.node;
import static io.xdpguard.operator.testing.Fixtures.readyNode;
import static io.xdpguard.operator.testing.Fixtures.report;
import static io.xdpguard.operator.testing.Fixtures.rule;
import static io.xdpguard.operator.testing.Fixtures.state;
import static io.xdpguard.operator.testing.Fixtures.tainted;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import io.xdpguard.api.v1alpha1.status.NodeCounts;
import io.xdpguard.api.v1alpha1.status.XdpFilterStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FilterStatusAggregatorTest {
    static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");
    static final Instant T1 = Instant.parse("2025-06-01T10:05:00Z");
    static final List<Toleration> TOLERATE_ALL = List.of(new TolerationBuilder().withOperator("Exists").build());
    static final List<Toleration> TOLERATE_NONE = List.of();
    static final Map<String, String> WORKER = Map.of("role", "worker");

    static XdpFilter workers(long generation) {
        return filter("f", generation, labels("role", "worker"), rule("r", RuleAction.Drop, Protocol.TCP, "23"));
    }

    static XdpFilterStatus run(XdpFilter f, List<Node> nodes, List<XdpNodeState> states, List<Toleration> tolerations) {
        return FilterStatusAggregator.aggregate(new FilterStatusAggregator.Input(f, Acceptance.ok(), nodes, states,
                tolerations, T0));
    }

    static Stream<Arguments> table() {
        Node a = node("a", WORKER);
        Node b = node("b", WORKER);
        Node other = node("c", Map.of("role", "db"));
        return Stream.of(
                // name, nodes, states, tolerations, expected counts, Ready, Ready reason, Degraded
                Arguments.of("all enforcing", List.of(a, b, other),
                        List.of(state("a", report("f", 3, FilterPhase.Enforcing)), state("b", report("f", 3, FilterPhase.Enforcing))),
                        TOLERATE_ALL, NodeCounts.of(2, 2, 0, 0), true, "AllNodesEnforcing", false),
                Arguments.of("generation skew: one agent still on 2", List.of(a, b),
                        List.of(state("a", report("f", 3, FilterPhase.Enforcing)), state("b", report("f", 2, FilterPhase.Enforcing))),
                        TOLERATE_ALL, NodeCounts.of(2, 1, 1, 0), false, "NotAllNodesEnforcing", false),
                Arguments.of("no report yet", List.of(a, b), List.of(state("a", report("f", 3, FilterPhase.Enforcing))),
                        TOLERATE_ALL, NodeCounts.of(2, 1, 1, 0), false, "NotAllNodesEnforcing", false),
                Arguments.of("one failed", List.of(a, b),
                        List.of(state("a", report("f", 3, FilterPhase.Enforcing)), state("b", report("f", 3, FilterPhase.Failed))),
                        TOLERATE_ALL, NodeCounts.of(2, 1, 0, 1), false, "NotAllNodesEnforcing", true),
                Arguments.of("pending and NotSelected are pending", List.of(a, b),
                        List.of(state("a", report("f", 3, FilterPhase.Pending)), state("b", report("f", 3, FilterPhase.NotSelected))),
                        TOLERATE_ALL, NodeCounts.of(2, 0, 2, 0), false, "NotAllNodesEnforcing", false),
                Arguments.of("unready node not targeted", List.of(a, readyNode("b", WORKER, false)),
                        List.of(state("a", report("f", 3, FilterPhase.Enforcing))),
                        TOLERATE_ALL, NodeCounts.of(1, 1, 0, 0), true, "AllNodesEnforcing", false),
                Arguments.of("untolerated NoSchedule taint excludes", List.of(a, tainted(node("b", WORKER), "gpu", "NoSchedule")),
                        List.of(state("a", report("f", 3, FilterPhase.Enforcing))),
                        TOLERATE_NONE, NodeCounts.of(1, 1, 0, 0), true, "AllNodesEnforcing", false),
                Arguments.of("tolerate-all tolerates NoExecute", List.of(a, tainted(node("b", WORKER), "gpu", "NoExecute")),
                        List.of(state("a", report("f", 3, FilterPhase.Enforcing))),
                        TOLERATE_ALL, NodeCounts.of(2, 1, 1, 0), false, "NotAllNodesEnforcing", false),
                Arguments.of("PreferNoSchedule never excludes", List.of(a, tainted(node("b", WORKER), "x", "PreferNoSchedule")),
                        List.of(state("a", report("f", 3, FilterPhase.Enforcing))),
                        TOLERATE_NONE, NodeCounts.of(2, 1, 1, 0), false, "NotAllNodesEnforcing", false),
                Arguments.of("a Windows node is not targeted, tolerated or not", List.of(a, windows("w", WORKER)),
                        List.of(state("a", report("f", 3, FilterPhase.Enforcing))),
                        TOLERATE_ALL, NodeCounts.of(1, 1, 0, 0), true, "AllNodesEnforcing", false),
                Arguments.of("a node labelled linux, or not labelled, is targeted",
                        List.of(a, node("b", Map.of("role", "worker", NodeEligibility.OS_LABEL, "linux"))),
                        List.of(state("a", report("f", 3, FilterPhase.Enforcing))),
                        TOLERATE_ALL, NodeCounts.of(2, 1, 1, 0), false, "NotAllNodesEnforcing", false),
                Arguments.of("only Windows nodes match", List.of(windows("w", WORKER), other), List.of(),
                        TOLERATE_ALL, NodeCounts.of(0, 0, 0, 0), false, "NoTargetNodes", false),
                Arguments.of("no matching node", List.of(other), List.of(),
                        TOLERATE_ALL, NodeCounts.of(0, 0, 0, 0), false, "NoTargetNodes", false),
                Arguments.of("Enforcing at a newer generation than the spec (stale cache) is pending", List.of(a),
                        List.of(state("a", report("f", 4, FilterPhase.Enforcing))),
                        TOLERATE_ALL, NodeCounts.of(1, 0, 1, 0), false, "NotAllNodesEnforcing", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void aggregates(String name, List<Node> nodes, List<XdpNodeState> states, List<Toleration> tolerations,
            NodeCounts counts, boolean ready, String readyReason, boolean degraded) {
        XdpFilterStatus status = run(workers(3), nodes, states, tolerations);

        assertThat(status.getNodes()).isEqualTo(counts);
        assertThat(status.getObservedGeneration()).isEqualTo(3L);
        assertThat(status.getRuleCount()).isEqualTo(1);
        assertThat(condition(status, "Accepted").getStatus()).isEqualTo("True");
        assertThat(condition(status, "Ready").getStatus()).isEqualTo(ready ? "True" : "False");
        assertThat(condition(status, "Ready").getReason()).isEqualTo(readyReason);
        assertThat(condition(status, "Degraded").getStatus()).isEqualTo(degraded ? "True" : "False");
        assertThat(status.getFailures()).hasSize(counts.failed());
        assertThat(status.getConditions()).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(3L));
    }

    /** A Windows node as the cloud providers set it up: labelled, and tainted os=windows. */
    static Node windows(String name, Map<String, String> labels) {
        Map<String, String> all = new java.util.HashMap<>(labels);
        all.put(NodeEligibility.OS_LABEL, "windows");
        return tainted(node(name, all), "os", "NoSchedule");
    }

    @Test
    void saysWhichMatchingNodesAreNotTargetedAndWhy() {
        XdpFilterStatus status = run(workers(1), List.of(node("a", WORKER), readyNode("b", WORKER, false),
                tainted(node("c", WORKER), "gpu", "NoSchedule"), windows("d", WORKER)), List.of(), TOLERATE_NONE);
        assertThat(condition(status, "Ready").getMessage())
                .contains("0/1 targeted nodes enforce generation 1")
                .contains("not targeted: b (NotReady), c (taint gpu:NoSchedule not tolerated), "
                        + "d (kubernetes.io/os=windows, not linux)");
    }

    @Test
    void listsAtMostTenFailuresSortedByNode() {
        List<Node> nodes = IntStream.range(0, 12).mapToObj(i -> node("n" + (char) ('a' + i), WORKER)).toList();
        List<XdpNodeState> states = nodes.stream()
                .map(n -> state(n.getMetadata().getName(), report("f", 1, FilterPhase.Failed))).toList();
        XdpFilterStatus status = run(workers(1), nodes, states, TOLERATE_ALL);
        assertThat(status.getNodes()).isEqualTo(NodeCounts.of(12, 0, 0, 12));
        assertThat(status.getFailures()).hasSize(10);
        assertThat(status.getFailures().get(0).node()).isEqualTo("na");
        assertThat(status.getFailures().get(0).reason()).isEqualTo("ApplyFailed");
        assertThat(condition(status, "Degraded").getMessage()).startsWith("12 nodes failed").contains("and 7 more");
    }

    @Test
    void lastTransitionTimeMovesOnlyWhenTheStatusChanges() {
        XdpFilter f = workers(1);
        List<Node> nodes = List.of(node("a", WORKER));
        XdpFilterStatus first = FilterStatusAggregator.aggregate(new FilterStatusAggregator.Input(f, Acceptance.ok(),
                nodes, List.of(), TOLERATE_ALL, T0));
        f.setStatus(first);
        // Same Ready status (False), different message: the time stays.
        XdpFilterStatus second = FilterStatusAggregator.aggregate(new FilterStatusAggregator.Input(f, Acceptance.ok(),
                nodes, List.of(state("a", report("f", 1, FilterPhase.Pending))), TOLERATE_ALL, T1));
        assertThat(condition(second, "Ready").getLastTransitionTime()).isEqualTo(T0.toString());
        f.setStatus(second);
        XdpFilterStatus third = FilterStatusAggregator.aggregate(new FilterStatusAggregator.Input(f, Acceptance.ok(),
                nodes, List.of(state("a", report("f", 1, FilterPhase.Enforcing))), TOLERATE_ALL, T1));
        assertThat(condition(third, "Ready").getStatus()).isEqualTo("True");
        assertThat(condition(third, "Ready").getLastTransitionTime()).isEqualTo(T1.toString());
        assertThat(condition(third, "Accepted").getLastTransitionTime()).isEqualTo(T0.toString());
        // Nothing changed: equal status, so the reconciler patches nothing.
        f.setStatus(third);
        assertThat(FilterStatusAggregator.aggregate(new FilterStatusAggregator.Input(f, Acceptance.ok(), nodes,
                List.of(state("a", report("f", 1, FilterPhase.Enforcing))), TOLERATE_ALL, T1.plusSeconds(60))))
                .isEqualTo(third);
    }

    @Test
    void aRejectedGenerationKeepsWhatDescribesTheRunningOne() {
        XdpFilter f = workers(1);
        List<Node> nodes = List.of(node("a", WORKER), node("b", WORKER));
        List<XdpNodeState> states = List.of(state("a", report("f", 1, FilterPhase.Enforcing)),
                state("b", report("f", 1, FilterPhase.Enforcing)));
        XdpFilterStatus accepted = run(f, nodes, states, TOLERATE_ALL);
        f.setStatus(accepted);
        f.getMetadata().setGeneration(2L);

        XdpFilterStatus rejected = FilterStatusAggregator.aggregate(new FilterStatusAggregator.Input(f,
                Acceptance.rejected("Invalid", "spec.rules[0].ports[0]: \"99999\" is not a port"), nodes, states,
                TOLERATE_ALL, T1));

        assertThat(rejected.getObservedGeneration()).isEqualTo(2L);
        assertThat(condition(rejected, "Accepted").getStatus()).isEqualTo("False");
        assertThat(condition(rejected, "Accepted").getMessage()).contains("spec.rules[0].ports[0]");
        assertThat(condition(rejected, "Accepted").getObservedGeneration()).isEqualTo(2L);
        assertThat(rejected.getNodes()).isEqualTo(NodeCounts.of(2, 2, 0, 0));
        assertThat(rejected.getRuleCount()).isEqualTo(1);
        assertThat(condition(rejected, "Ready")).isEqualTo(condition(accepted, "Ready"));
        assertThat(condition(rejected, "Ready").getObservedGeneration()).isEqualTo(1L);
        // ... but a reader of Ready alone must not take the rejected change for a healthy one
        assertThat(condition(rejected, "Stalled").getStatus()).isEqualTo("True");
        assertThat(condition(rejected, "Stalled").getReason()).isEqualTo("Invalid");
        assertThat(condition(rejected, "Stalled").getMessage())
                .isEqualTo("generation 2 is rejected (see Accepted); generation 1 stays in force");
        assertThat(condition(accepted, "Stalled").getStatus()).isEqualTo("False");
    }

    @Test
    void aFirstGenerationRejectedIsNotReady() {
        XdpFilterStatus status = FilterStatusAggregator.aggregate(new FilterStatusAggregator.Input(workers(1),
                Acceptance.rejected("Invalid", "spec.interfaces: required"), List.of(), List.of(), TOLERATE_ALL, T0));
        assertThat(condition(status, "Ready").getReason()).isEqualTo("NotAccepted");
        assertThat(condition(status, "Stalled").getMessage()).endsWith("nothing of this filter runs");
        assertThat(status.getNodes()).isNull();
    }

    static Condition condition(XdpFilterStatus status, String type) {
        return Conditions.find(status.getConditions(), type).orElseThrow(() -> new AssertionError("no " + type));
    }
}
