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
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import io.xdpguard.operator.status.NodeEligibility;
import io.xdpguard.operator.status.Selectors;
import java.util.HashMap;
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
    void anEmptySelectorPlacesTheAgentOnEveryLinuxNodeByName() {
        assertThat(AgentPlacement.build(Map.of("a", labels("role", "edge"), "b", new LabelSelector()), List.of(), MIXED, false))
                .isEqualTo(new AgentPlacement.SelectedNodes(List.of("linux-db", "linux-edge", "plain-edge")));
    }

    @Test
    void theNodesAnySelectorSelects() {
        LabelSelector edge = labels("role", "edge", "zone", "a");
        LabelSelector gpu = new LabelSelectorBuilder().addNewMatchExpression().withKey("gpu").withOperator("Exists")
                .endMatchExpression().addNewMatchExpression().withKey("tier").withOperator("NotIn")
                .withValues("test", "dev").endMatchExpression().build();
        var nodes = List.of(node("edge-a", Map.of("role", "edge", "zone", "a")), node("edge-b", Map.of("role", "edge", "zone", "b")),
                node("gpu-prod", Map.of("gpu", "1", "tier", "prod")), node("gpu-dev", Map.of("gpu", "1", "tier", "dev")),
                node("plain", Map.of()));
        var placement = AgentPlacement.build(new TreeMap<>(Map.of("edge", edge, "gpu", gpu)), List.of(), nodes, false);

        assertThat(placement).isEqualTo(new AgentPlacement.SelectedNodes(List.of("edge-a", "gpu-prod")));
    }

    @Test
    void aNodeStaysUntilItsAgentHasRemovedADeletedFilter() {
        var nodes = List.of(node("n1", Map.of("role", "edge")), node("n2", Map.of("role", "db")));
        // "old" was deleted; n2's agent still enforces it.
        var states = List.of(state("n2", report("old", 1, FilterPhase.Enforcing)));
        assertThat(AgentPlacement.build(Map.of("edge", labels("role", "edge")), states, nodes, false))
                .isEqualTo(new AgentPlacement.SelectedNodes(List.of("n1", "n2")));

        // Once the agent reports it gone (or NotSelected), the node is released.
        var released = AgentPlacement.build(Map.of("edge", labels("role", "edge")),
                List.of(state("n2", report("old", 1, FilterPhase.NotSelected))), nodes, false);
        assertThat(released).isEqualTo(new AgentPlacement.SelectedNodes(List.of("n1")));
    }

    @Test
    void aNodeStaysWhileItHoldsAFilterWhoseSelectorNoLongerMatchesIt() {
        var nodes = List.of(node("n1", Map.of("role", "edge")), node("n2", Map.of("role", "db")));
        var states = List.of(state("n2", report("f", 1, FilterPhase.Enforcing)));
        assertThat(AgentPlacement.build(Map.of("f", labels("role", "edge")), states, nodes, false))
                .isEqualTo(new AgentPlacement.SelectedNodes(List.of("n1", "n2")));
    }

    @Test
    void onlyLeftoversKeepTheAgentAndGoneNodesKeepNothing() {
        var states = List.of(state("n1", report("old", 1, FilterPhase.Failed)), state("gone", report("old", 1, FilterPhase.Enforcing)));
        assertThat(AgentPlacement.build(Map.of(), states, List.of(node("n1", Map.of())), false))
                .isEqualTo(new AgentPlacement.SelectedNodes(List.of("n1")));

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
        assertThat(selected).isEqualTo(new AgentPlacement.SelectedNodes(List.of("linux-edge", "plain-edge")));
        assertThat(admitted(AgentDaemonSet.affinity(selected), labelled(MIXED, selected)))
                .containsExactly("linux-edge", "plain-edge");
        // A Windows node labelled by hand still gets no agent.
        assertThat(admitted(AgentDaemonSet.affinity(selected), labelled(MIXED,
                new AgentPlacement.SelectedNodes(List.of("win-edge", "linux-edge"))))).containsExactly("linux-edge");

        // Everywhere (or an empty selector): every Linux node.
        var everywhere = AgentPlacement.build(Map.of("edge", labels("role", "edge")), List.of(), MIXED, true);
        assertThat(everywhere).isInstanceOf(AgentPlacement.AllNodes.class);
        assertThat(admitted(AgentDaemonSet.affinity(everywhere), MIXED)).containsExactly("linux-edge", "plain-edge", "linux-db");
        var emptySelector = AgentPlacement.build(Map.of("any", new LabelSelector()), List.of(), MIXED, false);
        assertThat(admitted(AgentDaemonSet.affinity(emptySelector), labelled(MIXED, emptySelector)))
                .containsExactly("linux-edge", "plain-edge", "linux-db");

        // A node kept for a filter its agent still holds.
        var states = List.of(state("linux-db", report("old", 1, FilterPhase.Enforcing)));
        var held = AgentPlacement.build(Map.of("edge", labels("role", "edge")), states, MIXED, false);
        assertThat(admitted(AgentDaemonSet.affinity(held), labelled(MIXED, held)))
                .containsExactly("linux-edge", "plain-edge", "linux-db");
    }

    @Test
    void theAffinityDoesNotDependOnTheFiltersSelectors() {
        Affinity edge = AgentDaemonSet.affinity(AgentPlacement.build(Map.of("f", labels("role", "edge")), List.of(), MIXED, false));
        Affinity db = AgentDaemonSet.affinity(AgentPlacement.build(Map.of("f", labels("role", "db")), List.of(),
                MIXED, false));
        Affinity held = AgentDaemonSet.affinity(AgentPlacement.build(Map.of("f", labels("role", "db")),
                List.of(state("plain-edge", report("f", 1, FilterPhase.Enforcing))), MIXED, false));
        Affinity everyNode = AgentDaemonSet.affinity(AgentPlacement.build(Map.of("f", labels("role", "db"),
                "all", new LabelSelector()), List.of(), MIXED, false));
        assertThat(db).isEqualTo(edge).isEqualTo(held).as("a filter selecting every node").isEqualTo(everyNode);
        Affinity all = AgentDaemonSet.affinity(new AgentPlacement.AllNodes());
        assertThat(AgentDaemonSet.affinity(AgentPlacement.build(Map.of("db", labels("role", "db")), List.of(), MIXED, true)))
                .isEqualTo(all);
    }

    @Test
    void theDaemonSetAdmitsExactlyTheNodesTheStatusCountsAsLinux() {
        Affinity all = AgentDaemonSet.affinity(new AgentPlacement.AllNodes());
        assertThat(admitted(all, MIXED)).containsExactlyElementsOf(
                MIXED.stream().filter(NodeEligibility::isLinux).map(n -> n.getMetadata().getName()).toList());
    }

    /** The nodes with the agent label added where the placement names them, as AgentNodeLabels writes it. */
    static List<Node> labelled(List<Node> nodes, AgentPlacement.Placement placement) {
        var wanted = AgentNodeLabels.wanted(placement);
        return nodes.stream().map(n -> {
            Map<String, String> labels = new HashMap<>(n.getMetadata().getLabels());
            if (wanted.contains(n.getMetadata().getName())) {
                labels.put(AgentNodeLabels.LABEL, AgentNodeLabels.VALUE);
            }
            return new NodeBuilder(n).editMetadata().withLabels(labels).endMetadata().build();
        }).toList();
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
        return (term.getMatchFields() == null || term.getMatchFields().isEmpty())
                && Selectors.matches(labels, node.getMetadata().getLabels());
    }
}
