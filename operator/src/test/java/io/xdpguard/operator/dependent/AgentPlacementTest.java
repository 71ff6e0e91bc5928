package io.xdpguard.operator.dependent;

import static io.xdpguard.operator.testing.Fixtures.labels;
import static io.xdpguard.operator.testing.Fixtures.node;
import static io.xdpguard.operator.testing.Fixtures.report;
import static io.xdpguard.operator.testing.Fixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
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
}
