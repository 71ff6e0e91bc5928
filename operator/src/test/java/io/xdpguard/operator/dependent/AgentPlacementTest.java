package io.xdpguard.operator.dependent;

import static io.xdpguard.operator.testing.Fixtures.labels;
import static io.xdpguard.operator.testing.Fixtures.node;
import static io.xdpguard.operator.testing.Fixtures.report;
import static io.xdpguard.operator.testing.Fixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import io.xdpguard.operator.status.NodeEligibility;
import io.xdpguard.operator.status.Selectors;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AgentPlacementTest {

    @Test
    void noFiltersNoAgent() {
        assertThat(AgentPlacement.build(Map.of(), List.of(), List.of(), false)).isInstanceOf(AgentPlacement.NoAgent.class);
    }

    @Test
    void anEmptySelectorPlacesTheAgentEverywhere() {
        assertThat(AgentPlacement.build(Map.of("a", labels("role", "edge"), "b", new LabelSelector()), List.of(), List.of(), false))
                .isInstanceOf(AgentPlacement.AllNodes.class);
    }

    @Test
    void orOfSelectorsWithMatchLabelsAsIn() {
        LabelSelector edge = labels("role", "edge", "zone", "a");
        LabelSelector gpu = new LabelSelectorBuilder().addNewMatchExpression().withKey("gpu").withOperator("Exists")
                .endMatchExpression().addNewMatchExpression().withKey("tier").withOperator("NotIn")
                .withValues("test", "dev").endMatchExpression().build();
        var placement = (AgentPlacement.SelectedNodes) AgentPlacement.build(
                new TreeMap<>(Map.of("edge", edge, "gpu", gpu, "edge-copy", labels("zone", "a", "role", "edge"))),
                List.of(), List.of(), false);

        assertThat(placement.terms()).hasSize(2); // identical terms are merged
        NodeSelectorTerm first = placement.terms().get(0);
        assertThat(first.getMatchExpressions()).extracting(NodeSelectorRequirement::getKey, NodeSelectorRequirement::getOperator,
                NodeSelectorRequirement::getValues).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("role", "In", List.of("edge")),
                        org.assertj.core.groups.Tuple.tuple("zone", "In", List.of("a")));
        NodeSelectorTerm second = placement.terms().get(1);
        assertThat(second.getMatchExpressions()).extracting(NodeSelectorRequirement::getOperator)
                .containsExactly("Exists", "NotIn");
        assertThat(second.getMatchExpressions().get(1).getValues()).containsExactly("dev", "test");
    }

    @Test
    void aNodeStaysUntilItsAgentHasRemovedADeletedFilter() {
        var nodes = List.of(node("n1", Map.of("role", "edge")), node("n2", Map.of("role", "db")));
        // "old" was deleted; n2's agent still enforces it.
        var states = List.of(state("n2", report("old", 1, FilterPhase.Enforcing)));
        var placement = (AgentPlacement.SelectedNodes) AgentPlacement.build(Map.of("edge", labels("role", "edge")), states, nodes, false);
        assertThat(placement.terms()).hasSize(2);
        assertThat(placement.terms().get(1).getMatchFields()).singleElement().satisfies(r -> {
            assertThat(r.getKey()).isEqualTo("metadata.name");
            assertThat(r.getValues()).containsExactly("n2");
        });

        // Once the agent reports it gone (or NotSelected), the node is released.
        var released = AgentPlacement.build(Map.of("edge", labels("role", "edge")),
                List.of(state("n2", report("old", 1, FilterPhase.NotSelected))), nodes, false);
        assertThat(((AgentPlacement.SelectedNodes) released).terms()).hasSize(1);
    }

    @Test
    void aNodeStaysWhileItHoldsAFilterWhoseSelectorNoLongerMatchesIt() {
        var nodes = List.of(node("n1", Map.of("role", "edge")), node("n2", Map.of("role", "db")));
        var states = List.of(state("n2", report("f", 1, FilterPhase.Enforcing)));
        var placement = (AgentPlacement.SelectedNodes) AgentPlacement.build(Map.of("f", labels("role", "edge")), states, nodes, false);
        assertThat(placement.terms().get(1).getMatchFields().get(0).getValues()).containsExactly("n2");
    }

    @Test
    void onlyLeftoversKeepTheAgentAndGoneNodesKeepNothing() {
        var states = List.of(state("n1", report("old", 1, FilterPhase.Failed)), state("gone", report("old", 1, FilterPhase.Enforcing)));
        var placement = AgentPlacement.build(Map.of(), states, List.of(node("n1", Map.of())), false);
        assertThat(placement).isInstanceOf(AgentPlacement.SelectedNodes.class);
        assertThat(((AgentPlacement.SelectedNodes) placement).terms()).singleElement()
                .satisfies(t -> assertThat(t.getMatchFields().get(0).getValues()).containsExactly("n1"));

        assertThat(AgentPlacement.build(Map.of(), List.of(state("gone", report("old", 1, FilterPhase.Enforcing))), List.of(), false))
                .isInstanceOf(AgentPlacement.NoAgent.class);
    }

    @Test
    void everywhereRunsTheAgentOnEveryNodeWhileAnyIsNeeded() {
        var nodes = List.of(node("n1", Map.of("role", "edge")), node("n2", Map.of("role", "db")));
        assertThat(AgentPlacement.build(Map.of("edge", labels("role", "edge")), List.of(), nodes, true))
                .isInstanceOf(AgentPlacement.AllNodes.class);
        assertThat(AgentPlacement.build(Map.of(), List.of(state("n2", report("old", 1, FilterPhase.Enforcing))), nodes, true))
                .as("a leftover to remove").isInstanceOf(AgentPlacement.AllNodes.class);
        assertThat(AgentPlacement.build(Map.of(), List.of(), nodes, true)).isInstanceOf(AgentPlacement.NoAgent.class);
    }

    /** Nodes by OS label: Linux, unlabelled (counts as Linux), Windows, each with role=edge or role=db. */
    static final List<Node> MIXED = List.of(
            node("linux-edge", Map.of("role", "edge", NodeEligibility.OS_LABEL, "linux")),
            node("plain-edge", Map.of("role", "edge")),
            node("win-edge", Map.of("role", "edge", NodeEligibility.OS_LABEL, "windows")),
            node("linux-db", Map.of("role", "db", NodeEligibility.OS_LABEL, "linux")),
            node("win-db", Map.of("role", "db", NodeEligibility.OS_LABEL, "windows")));

    @Test
    void theDaemonSetRunsOnLinuxNodesOnlyInEveryPlacement() {
        var selected = AgentPlacement.build(Map.of("edge", labels("role", "edge")), List.of(), MIXED, false);
        assertThat(admitted(AgentDaemonSet.affinity(selected), MIXED)).containsExactly("linux-edge", "plain-edge");

        // Everywhere (or an empty selector): every Linux node, with a template the filters' selectors do not change.
        var everywhere = AgentPlacement.build(Map.of("edge", labels("role", "edge")), List.of(), MIXED, true);
        assertThat(everywhere).isInstanceOf(AgentPlacement.AllNodes.class);
        Affinity all = AgentDaemonSet.affinity(everywhere);
        assertThat(admitted(all, MIXED)).containsExactly("linux-edge", "plain-edge", "linux-db");
        assertThat(AgentDaemonSet.affinity(AgentPlacement.build(Map.of("db", labels("role", "db")), List.of(), MIXED, true)))
                .isEqualTo(all);
        assertThat(admitted(AgentDaemonSet.affinity(AgentPlacement.build(Map.of("any", new LabelSelector()), List.of(),
                MIXED, false)), MIXED)).containsExactly("linux-edge", "plain-edge", "linux-db");

        // A node kept for a filter its agent still holds: by name, on Linux still.
        var states = List.of(state("linux-db", report("old", 1, FilterPhase.Enforcing)));
        var held = AgentPlacement.build(Map.of("edge", labels("role", "edge")), states, MIXED, false);
        assertThat(admitted(AgentDaemonSet.affinity(held), MIXED)).containsExactly("linux-edge", "plain-edge", "linux-db");
    }

    @Test
    void theDaemonSetAdmitsExactlyTheNodesTheStatusCountsAsLinux() {
        Affinity all = AgentDaemonSet.affinity(new AgentPlacement.AllNodes());
        assertThat(admitted(all, MIXED)).containsExactlyElementsOf(
                MIXED.stream().filter(NodeEligibility::isLinux).map(n -> n.getMetadata().getName()).toList());
    }

    /** The nodes a required node affinity admits, as the scheduler decides: terms ORed, requirements ANDed. */
    static List<String> admitted(Affinity affinity, List<Node> nodes) {
        List<NodeSelectorTerm> terms = affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms();
        return nodes.stream().filter(n -> terms.stream().anyMatch(t -> admits(t, n)))
                .map(n -> n.getMetadata().getName()).toList();
    }

    private static boolean admits(NodeSelectorTerm term, Node node) {
        // Label requirements have the label selector's semantics (In, NotIn, Exists, DoesNotExist).
        LabelSelector labels = new LabelSelectorBuilder().withMatchExpressions(term.getMatchExpressions().stream()
                .map(r -> new LabelSelectorRequirement(r.getKey(), r.getOperator(), r.getValues())).toList()).build();
        boolean fields = term.getMatchFields() == null || term.getMatchFields().stream().allMatch(r ->
                r.getKey().equals(AgentPlacement.NODE_NAME_FIELD) && r.getOperator().equals("In")
                        && r.getValues().contains(node.getMetadata().getName()));
        return fields && Selectors.matches(labels, node.getMetadata().getLabels());
    }
}
