package io.xdpguard.agent.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xdpguard.agent.dataplane.InterfacePlan;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.testing.FakeDataplane;
import io.xdpguard.agent.metrics.AgentMetrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Standalone mode over a fake dataplane: files applied, changed, broken (last good kept), fixed, removed. */
class StandaloneAgentTest {
    @TempDir
    Path dir;

    private final FakeDataplane dataplane = new FakeDataplane();
    private final Map<String, String> labels = new HashMap<>(Map.of("role", "edge"));
    private final List<String> interfaces = new ArrayList<>(List.of("eth0", "eth1", "lo"));
    private final StringWriter output = new StringWriter();
    private StandaloneAgent agent;

    @BeforeEach
    void setUp() {
        agent = new StandaloneAgent(dataplane, dir, () -> labels, () -> interfaces, FailsafeConfig.disabled(),
                new PrintWriter(output), null);
    }

    @Test
    void appliesChangesKeepsLastGoodOnBreakageAndRecovers() throws IOException {
        write("block.yaml", filter("block", "Drop", "192.0.2.0/24"));
        StandaloneAgent.Sync first = agent.syncOnce();
        assertThat(first.errors()).isEmpty();
        assertThat(first.interfaces()).extracting(r -> r.name()).containsExactly("eth0", "eth1");
        assertThat(sources("eth0")).containsExactly("192.0.2.0/24");
        assertThat(output.toString()).contains("INTERFACE").contains("eth0").contains("block");

        write("block.yaml", filter("block", "Drop", "198.51.100.0/24"));
        agent.syncOnce();
        assertThat(sources("eth0")).containsExactly("198.51.100.0/24");

        write("block.yaml", filter("block", "Drop", "198.51.100.1/24"));
        StandaloneAgent.Sync broken = agent.syncOnce();
        assertThat(broken.errors()).anySatisfy(e -> assertThat(e).contains("block.yaml")
                .contains("spec.rules[0].sources[0]: \"198.51.100.1/24\" has host bits set"));
        assertThat(broken.errors()).anySatisfy(e -> assertThat(e).contains("keeping its last valid version in force"));
        assertThat(sources("eth0")).as("the last good rules stay enforced").containsExactly("198.51.100.0/24");

        write("block.yaml", filter("block", "Drop", "203.0.113.0/24"));
        assertThat(agent.syncOnce().errors()).isEmpty();
        assertThat(sources("eth0")).containsExactly("203.0.113.0/24");

        Files.delete(dir.resolve("block.yaml"));
        assertThat(agent.syncOnce().interfaces()).isEmpty();
        assertThat(dataplane.enforced("eth0")).isEmpty();
    }

    @Test
    void unchangedFilesRewriteNothingAndNewInterfacesArePickedUp() throws IOException {
        write("block.yaml", filter("block", "Drop", "192.0.2.0/24"));
        agent.syncOnce();
        int writes = dataplane.writes();
        agent.syncOnce();
        assertThat(dataplane.writes()).isEqualTo(writes);

        interfaces.add("eth7");
        agent.syncOnce();
        assertThat(dataplane.enforced("eth7")).isPresent();
    }

    @Test
    void nodeLabelsSelectFiltersAndMissingCidrSetIsReportedPerFilter() throws IOException {
        write("edge.yaml", """
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpFilter
                metadata: {name: edge-only}
                spec:
                  nodeSelector: {matchLabels: {role: edge}}
                  interfaces: {include: ["eth0"]}
                  rules: [{name: r, action: Drop, protocol: UDP, ports: ["53"]}]
                """);
        write("feed.yaml", """
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpFilter
                metadata: {name: feed}
                spec:
                  interfaces: {include: ["eth1"]}
                  rules: [{name: r, action: Drop, sourceSets: [missing-set]}]
                """);
        StandaloneAgent.Sync sync = agent.syncOnce();
        assertThat(dataplane.enforced("eth0")).isPresent();
        assertThat(sync.errors()).containsExactly(
                "XdpFilter \"feed\": spec.rules[0].sourceSets[0]: XdpCidrSet \"missing-set\" not found");

        labels.put("role", "core");
        agent.syncOnce();
        assertThat(dataplane.enforced("eth0")).as("filter no longer selects this node").isEmpty();
        assertThat(output.toString()).contains("not applied here: edge-only: its nodeSelector does not match this host's "
                + "labels {role=core}");
    }

    @Test
    void aFilterWhoseInterfacesMatchNothingHereIsShownAsNotApplied() throws IOException {
        write("typo.yaml", """
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpFilter
                metadata: {name: typo}
                spec:
                  interfaces: {include: ["ehth0"]}
                  rules: [{name: r, action: Drop, protocol: UDP, ports: ["53"]}]
                """);
        assertThat(agent.syncOnce().errors()).isEmpty();
        assertThat(output.toString()).contains("not applied here: typo: its interfaces select none of this host's "
                + "[eth0, eth1, lo]");
    }

    @Test
    void servesTheClusterModeMetricsPerRuleAndInterface() throws IOException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StandaloneAgent measured = new StandaloneAgent(dataplane, dir, () -> labels, () -> interfaces,
                FailsafeConfig.disabled(), new PrintWriter(output), new AgentMetrics(registry, dataplane));
        write("block.yaml", filter("block", "Drop", "192.0.2.0/24"));
        measured.syncOnce();

        assertThat(registry.find(AgentMetrics.RULE_PACKETS).tags("filter", "block", "rule", "r", "interface", "eth0")
                .functionCounter()).isNotNull();
        assertThat(registry.find(AgentMetrics.APPLY_LATENCY).timer().count()).isEqualTo(1);
        measured.syncOnce();
        assertThat(registry.find(AgentMetrics.APPLY_LATENCY).timer().count()).as("a pass that finds no change")
                .isEqualTo(1);

        Files.delete(dir.resolve("block.yaml"));
        measured.syncOnce();
        assertThat(registry.find(AgentMetrics.APPLY_LATENCY).timer().count()).isEqualTo(2);
        assertThat(registry.find(AgentMetrics.AGENT_STATE).tag("reason", "Synced").gauge().value()).isEqualTo(1.0);
        assertThat(registry.find(AgentMetrics.RULE_PACKETS).tags("filter", "block").functionCounter())
                .as("series of rules no longer enforced are removed").isNull();
    }

    /** As after a restart, or with --once: no valid version of the broken file is known to this process. */
    @Test
    void aFileBrokenBeforeThisProcessKnewItChangesNothing() throws IOException {
        write("block.yaml", filter("block", "Drop", "192.0.2.0/24"));
        assertThat(agent.syncOnce().errors()).isEmpty();

        write("block.yaml", filter("block", "Drop", "198.51.100.1/24"));
        StringWriter freshOutput = new StringWriter();
        StandaloneAgent fresh = new StandaloneAgent(dataplane, dir, () -> labels, () -> interfaces,
                FailsafeConfig.disabled(), new PrintWriter(freshOutput), null);
        StandaloneAgent.Sync sync = fresh.syncOnce();

        assertThat(sync.errors()).anySatisfy(e -> assertThat(e).startsWith("nothing was changed: XdpFilter \"block\""));
        assertThat(sources("eth0")).as("the rules in force stay").containsExactly("192.0.2.0/24");
        assertThat(freshOutput.toString()).as("the table shows what the kernel enforces").containsPattern(
                "(?m)^eth0 .* block$");
    }

    @Test
    void aFilterWhoseCidrSetDisappearsKeepsRunning() throws IOException {
        write("set.yaml", """
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpCidrSet
                metadata: {name: feed-set}
                spec: {cidrs: [203.0.113.0/24]}
                """);
        write("feed.yaml", """
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpFilter
                metadata: {name: feed}
                spec:
                  interfaces: {include: ["eth0"]}
                  rules: [{name: r, action: Drop, sourceSets: [feed-set]}]
                """);
        assertThat(agent.syncOnce().errors()).isEmpty();
        assertThat(sources("eth0")).containsExactly("203.0.113.0/24");

        Files.delete(dir.resolve("set.yaml"));
        StandaloneAgent.Sync sync = agent.syncOnce();
        assertThat(sync.errors()).anySatisfy(e -> assertThat(e).contains("XdpCidrSet \"feed-set\" not found"))
                .anySatisfy(e -> assertThat(e).startsWith("nothing was changed"));
        assertThat(sources("eth0")).containsExactly("203.0.113.0/24");
    }

    @Test
    void aFilterNameDefinedTwiceKeepsTheFirstAndNamesBothPlaces() throws IOException {
        write("a.yaml", filter("block", "Drop", "192.0.2.0/24"));
        write("b.yaml", filter("block", "Drop", "198.51.100.0/24"));

        StandaloneAgent.Sync sync = agent.syncOnce();

        assertThat(sync.errors()).contains(dir.resolve("b.yaml") + ": XdpFilter \"block\" is already defined in "
                + dir.resolve("a.yaml") + "; this one is ignored");
        assertThat(sources("eth0")).containsExactly("192.0.2.0/24");

        // twice in one file: that file is invalid, like any other error in it (its last valid version stays)
        write("b.yaml", filter("other", "Drop", "198.51.100.0/24"));
        assertThat(agent.syncOnce().errors()).isEmpty();
        write("b.yaml", filter("other", "Drop", "198.51.100.0/24") + "---\n" + filter("other", "Drop", "203.0.113.0/24"));
        assertThat(agent.syncOnce().errors()).contains(dir.resolve("b.yaml") + " (document 2): XdpFilter \"other\" is already "
                + "defined in " + dir.resolve("b.yaml") + " (document 1)", dir.resolve("b.yaml") + ": keeping its last valid version in force");
    }

    private List<String> sources(String iface) {
        InterfacePlan plan = dataplane.enforced(iface).orElseThrow();
        return plan.rules().rules().stream().map(MatchRule::sources)
                .flatMap(s -> s.prefixes().stream()).map(Object::toString).toList();
    }

    private void write(String name, String content) throws IOException {
        Files.writeString(dir.resolve(name), content);
    }

    private static String filter(String name, String action, String source) {
        return """
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpFilter
                metadata: {name: %s}
                spec:
                  interfaces: {include: ["eth*"]}
                  rules: [{name: r, action: %s, sources: ["%s"]}]
                """.formatted(name, action, source);
    }
}
