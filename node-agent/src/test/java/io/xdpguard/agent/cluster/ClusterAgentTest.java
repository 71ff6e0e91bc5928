package io.xdpguard.agent.cluster;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xdpguard.agent.dataplane.InterfacePlan;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.testing.FakeDataplane;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.agent.metrics.AgentMetrics;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import io.xdpguard.api.v1alpha1.spec.XdpCidrSetSpec;
import io.xdpguard.api.v1alpha1.status.FilterNodeStatus;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import io.xdpguard.api.v1alpha1.status.XdpNodeStateStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;


/** The cluster agent against a CRUD mock API server and a fake dataplane. */
class ClusterAgentTest {
    private static final String NODE = "node-a";

    private MockCluster cluster;
    private KubernetesClient admin;
    private KubernetesClient agentClient;
    private final FakeDataplane dataplane = new FakeDataplane();
    private final List<String> interfaces = new CopyOnWriteArrayList<>(List.of("eth0", "eth1", "lo"));
    private volatile boolean interfaceListingFails;
    /** The running agent's: a restarted agent gets a fresh one, as a new process does. */
    private SimpleMeterRegistry registry;
    private final List<String> sampleLog = new CopyOnWriteArrayList<>();
    private ClusterAgent agent;
    private Node node;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new MockCluster().start();
        admin = cluster.client();
        node = admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE).addToLabels("role", "edge")
                .endMetadata().withNewStatus().addNewAddress().withType("InternalIP").withAddress("10.0.0.5").endAddress()
                .endStatus().build()).create();
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-b").addToLabels("role", "edge")
                .endMetadata().build()).create();
    }

    @AfterEach
    void tearDown() {
        if (agent != null) {
            agent.close();
        }
        if (agentClient != null) {
            agentClient.close();
        }
        admin.close();
        cluster.close();
    }

    private void startAgent() {
        startAgent(AgentSettings.defaults(NODE).withDebounce(Duration.ofMillis(50)).withFailsafe(false));
    }

    private void startAgent(AgentSettings settings) {
        agentClient = cluster.client();
        HostInfo host = new HostInfo() {
            @Override
            public List<String> interfaceNames() {
                if (interfaceListingFails) {
                    throw new IllegalStateException("if_nameindex: Cannot allocate memory");
                }
                return List.copyOf(interfaces);
            }

            @Override
            public String kernelVersion() {
                return "6.1.0-test";
            }

            @Override
            public boolean bpffsMounted() {
                return true;
            }
        };
        registry = new SimpleMeterRegistry();
        agent = new ClusterAgent(agentClient, dataplane, host, settings, new AgentMetrics(registry, dataplane),
                new DropSamples(10, 5, sampleLog::add, System::currentTimeMillis));
        agent.start();
    }

    // --- selection and merge -------------------------------------------------------------------------------

    @Test
    void selectsFiltersByNodeLabelsAndFollowsALabelChange() {
        put(filter("edge-only", "role: edge", 500, "192.0.2.0/24"));
        put(filter("core-only", "role: core", 500, "198.51.100.0/24"));
        startAgent();

        awaitTrue(() -> sources("eth0").equals(List.of("192.0.2.0/24")), "edge filter enforced");
        XdpNodeStateStatus state = awaitState(s -> phase(s, "core-only") == FilterPhase.NotSelected
                && phase(s, "edge-only") == FilterPhase.Enforcing);
        assertThat(entry(state, "core-only").interfaces()).isEmpty();
        awaitTrue(() -> dataplane.preparesAfterLastApply() > 0, "the next change prepared after the sync");
        awaitTrue(() -> dataplane.rehearsals() == ClusterAgent.REHEARSALS, "the change path rehearsed after the sync");

        admin.nodes().withName(NODE).edit(n -> {
            n.getMetadata().getLabels().put("role", "core");
            return n;
        });
        awaitTrue(() -> sources("eth0").equals(List.of("198.51.100.0/24")), "core filter enforced after the label change");
        awaitState(s -> phase(s, "edge-only") == FilterPhase.NotSelected && phase(s, "core-only") == FilterPhase.Enforcing
                && entry(s, "edge-only").interfaces().isEmpty());
        assertThat(dataplane.rehearsals()).as("rehearsed once, after the first sync").isEqualTo(ClusterAgent.REHEARSALS);
    }

    @Test
    void aLabelChangeNotYetAppliedAtShutdownIsAppliedBeforeTheAgentStops() {
        put(filter("edge-only", "role: edge", 500, "192.0.2.0/24"));
        // A debounce longer than the test: only the shutdown's own reconcile can apply the label change.
        startAgent(AgentSettings.defaults(NODE).withDebounce(Duration.ofSeconds(60)).withFailsafe(false));
        awaitTrue(() -> {
            agent.resync();
            return sources("eth0").equals(List.of("192.0.2.0/24"));
        }, "edge filter enforced");

        admin.nodes().withName(NODE).edit(n -> {
            n.getMetadata().getLabels().remove("role");
            return n;
        });
        agent.finishPendingChanges(Duration.ofSeconds(10));

        assertThat(filtersOn("eth0")).as("the filter that no longer selects the node is removed").isEmpty();
        assertThat(phase(agent.lastStatus(), "edge-only")).isEqualTo(FilterPhase.NotSelected);
    }

    @Test
    void mergesTwoFiltersByPriorityThenName() {
        put(filter("z-first", null, 100, "192.0.2.0/24"));
        put(filter("a-second", null, 900, "198.51.100.0/24"));
        put(filter("b-second", null, 900, "203.0.113.0/24"));
        startAgent();

        awaitTrue(() -> filtersOn("eth0").equals(List.of("z-first", "a-second", "b-second")), "merge order");
        assertThat(sources("eth0")).containsExactly("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24");
    }

    // --- last good, CIDR sets, deletion ----------------------------------------------------------------------

    @Test
    void invalidUpdateKeepsTheLastValidVersionAndSaysWhy() {
        XdpFilter first = put(filter("block", null, 500, "192.0.2.0/24"));
        long good = first.getMetadata().getGeneration();
        startAgent();
        awaitState(s -> phase(s, "block") == FilterPhase.Enforcing);

        XdpFilter broken = put(filter("block", null, 500, "198.51.100.1/24"));
        long bad = broken.getMetadata().getGeneration();
        assertThat(bad).isGreaterThan(good);

        XdpNodeStateStatus state = awaitState(s -> phase(s, "block") == FilterPhase.Failed);
        FilterNodeStatus entry = entry(state, "block");
        assertThat(entry.appliedGeneration()).isEqualTo(good);
        assertThat(entry.message()).contains("generation " + bad + " not applied")
                .contains("spec.rules[0].sources[0]").contains("generation " + good + " stays in force");
        assertThat(entry.interfaces()).extracting(i -> i.name()).containsExactly("eth0");
        assertThat(sources("eth0")).as("the fake dataplane still has the old rules").containsExactly("192.0.2.0/24");

        // The same failure is reported by one Event, however often the agent reconciles.
        awaitTrue(() -> events("block").size() == 1, "one event");
        agent.resync();
        agent.resync();
        put(filter("other", null, 500, "203.0.113.0/24")); // an unrelated change: another reconcile
        awaitState(s -> phase(s, "other") == FilterPhase.Enforcing);
        assertThat(events("block")).hasSize(1);
        Event event = events("block").get(0);
        assertThat(event.getReason()).isEqualTo("NotApplied");
        assertThat(event.getInvolvedObject().getKind()).isEqualTo("XdpFilter");
        assertThat(event.getMessage()).contains(NODE).contains("spec.rules[0].sources[0]");

        XdpFilter fixed = put(filter("block", null, 500, "198.51.100.0/24"));
        awaitTrue(() -> sources("eth0").contains("198.51.100.0/24"), "the fixed version is applied");
        XdpNodeStateStatus recovered = awaitState(s -> phase(s, "block") == FilterPhase.Enforcing);
        assertThat(entry(recovered, "block").appliedGeneration()).isEqualTo(fixed.getMetadata().getGeneration());
    }

    @Test
    void anAgentRestartedWhileAFilterIsInvalidKeepsWhatItsPredecessorEnforced() {
        put(filter("block", null, 500, "192.0.2.0/24"));
        startAgent();
        awaitTrue(() -> sources("eth0").equals(List.of("192.0.2.0/24")), "enforced");
        // The agent stops; the dataplane keeps its state, as pinned maps and attached programs do.
        agent.close();
        agentClient.close();

        put(filter("block", null, 500, "198.51.100.1/24"));
        startAgent();
        awaitTrue(() -> "HoldingAdoptedRules".equals(agent.state().reason()), "the node is held as adopted");
        assertThat(agent.state().message()).contains("block");
        assertThat(agentState("HoldingAdoptedRules")).as("an alert can see it").isEqualTo(1.0);
        assertThat(agentState("Synced")).isZero();
        assertThat(sources("eth0")).as("the rules in force before the restart stay").containsExactly("192.0.2.0/24");

        put(filter("block", null, 500, "198.51.100.0/24"));
        awaitTrue(() -> sources("eth0").equals(List.of("198.51.100.0/24")), "the fixed generation is applied");
        awaitTrue(() -> agentState("HoldingAdoptedRules") == 0.0 && agentState("Synced") == 1.0, "synced again");
    }

    private double agentState(String reason) {
        var gauge = registry.find(AgentMetrics.AGENT_STATE).tag("reason", reason).gauge();
        return gauge == null ? 0.0 : gauge.value();
    }

    @Test
    void tooManyRulesOnOneInterfaceKeepItsPreviousRulesAndTheNodeStateSaysWhy() {
        enforceTheRuleLimitOnEth0();

        put(filter("extra", null, 500, "192.0.2.0/24"));
        XdpNodeStateStatus status = awaitState(s -> phase(s, "extra") == FilterPhase.Failed);
        assertThat(entry(status, "extra").message()).contains("eth0").contains("exceed the limit of 8192");
        assertThat(filtersOn("eth0")).as("the previous rule set stays").hasSize(8).doesNotContain("extra");
        assertThat(phase(status, "big-0")).as("its current generation is what stays in force").isEqualTo(FilterPhase.Enforcing);
    }

    @Test
    void anInterfaceWhoseRulesOverflowAfterARestartKeepsWhatItsPredecessorEnforced() {
        enforceTheRuleLimitOnEth0();
        agent.close();
        agentClient.close();

        put(filter("extra", null, 500, "192.0.2.0/24"));
        startAgent();
        awaitTrue(() -> "HoldingAdoptedRules".equals(agent.state().reason()), "the node is held as adopted");
        assertThat(agent.state().message()).contains("eth0").contains("exceed the limit of 8192");
        assertThat(filtersOn("eth0")).as("the interface is not released").hasSize(8);

        admin.resources(XdpFilter.class).withName("extra").delete();
        awaitTrue(() -> agent.state().synced() && !"HoldingAdoptedRules".equals(agent.state().reason()),
                "applied again once the rules fit");
        assertThat(filtersOn("eth0")).hasSize(8);
    }

    @Test
    void nothingIsAppliedUntilTheInterfacesCouldBeListed() throws Exception {
        put(filter("block", null, 500, "192.0.2.0/24"));
        interfaceListingFails = true;
        startAgent();
        awaitTrue(() -> "WaitingForInterfaces".equals(agent.state().reason()), "waiting for the interfaces");
        assertThat(dataplane.applies()).as("no plan without interfaces, which would release every one").isZero();

        interfaceListingFails = false;
        awaitTrue(() -> sources("eth0").equals(List.of("192.0.2.0/24")), "applied after the first listing");
    }

    @Test
    void anApplyThatFailedWholeIsRetriedWithoutWaitingForAnEvent() throws Exception {
        put(filter("block", null, 500, "192.0.2.0/24"));
        dataplane.failNextApplies(Integer.MAX_VALUE);
        startAgent(AgentSettings.defaults(NODE).withDebounce(Duration.ofMillis(50)).withFailsafe(false)
                .withStatusRetry(Duration.ofMillis(300)));
        awaitTrue(() -> "ApplyFailed".equals(agent.state().reason()), "the apply failed");
        int failed = dataplane.applies();
        Thread.sleep(1500); // no event meanwhile: only the retry applies again
        assertThat(dataplane.applies()).isGreaterThan(failed + 1);

        dataplane.failNextApplies(0);
        awaitTrue(() -> sources("eth0").equals(List.of("192.0.2.0/24")), "applied by a retry");
        awaitTrue(() -> "Synced".equals(agent.state().reason()), "synced");
    }

    @Test
    void cidrSetChangeReplansAndAMissingSetKeepsTheLastGoodVersion() {
        putSet("bad-actors", "192.0.2.0/24");
        put(Filters.filter("by-set", """
                interfaces: {include: [eth0]}
                rules:
                  - {name: bad, action: Drop, sourceSets: [bad-actors]}
                """));
        startAgent();
        awaitTrue(() -> sources("eth0").equals(List.of("192.0.2.0/24")), "set content enforced");

        putSet("bad-actors", "198.51.100.0/24");
        awaitTrue(() -> sources("eth0").equals(List.of("198.51.100.0/24")), "set change re-planned");

        admin.resources(XdpCidrSet.class).withName("bad-actors").delete();
        XdpNodeStateStatus state = awaitState(s -> phase(s, "by-set") == FilterPhase.Failed);
        assertThat(entry(state, "by-set").message()).contains("spec.rules[0].sourceSets[0]").contains("bad-actors")
                .contains("not found");
        assertThat(sources("eth0")).as("last good version with its set stays").containsExactly("198.51.100.0/24");
    }

    @Test
    void aFilterHeldByAFinalizerIsReleasedWhenItsDeletionStarts() {
        XdpFilter held = filter("held", null, 500, "192.0.2.0/24");
        held.getMetadata().setFinalizers(List.of("xdpfilters.xdpguard.io/finalizer"));
        put(held);
        startAgent();
        awaitTrue(() -> filtersOn("eth0").equals(List.of("held")), "enforced");

        admin.resources(XdpFilter.class).withName("held").delete();
        assertThat(admin.resources(XdpFilter.class).withName("held").get().getMetadata().getDeletionTimestamp())
                .as("the finalizer keeps the object").isNotNull();

        awaitTrue(() -> filtersOn("eth0").isEmpty(), "the filter being deleted is released");
        awaitState(s -> s.getFilters().stream().noneMatch(f -> f.name().equals("held")));
    }

    @Test
    void deletingAFilterRemovesIt() {
        put(filter("one", null, 500, "192.0.2.0/24"));
        put(filter("two", null, 500, "198.51.100.0/24"));
        startAgent();
        awaitTrue(() -> filtersOn("eth0").equals(List.of("one", "two")), "both enforced");

        admin.resources(XdpFilter.class).withName("one").delete();
        awaitTrue(() -> filtersOn("eth0").equals(List.of("two")), "deleted filter removed");
        XdpNodeStateStatus state = awaitState(s -> s.getFilters().size() == 1);
        assertThat(state.getFilters()).extracting(FilterNodeStatus::name).containsExactly("two");

        admin.resources(XdpFilter.class).withName("two").delete();
        awaitTrue(() -> dataplane.enforced("eth0").isEmpty(), "last filter removed: interface released");
    }

    // --- node state ------------------------------------------------------------------------------------------

    @Test
    void nodeStateIsOwnedByTheNodeTellsWhatIsEnforcedAndIsWrittenOnlyOnChange() {
        put(filter("block", null, 500, "192.0.2.0/24", "198.51.100.0/24"));
        startAgent();
        XdpNodeStateStatus state = awaitState(s -> phase(s, "block") == FilterPhase.Enforcing);

        XdpNodeState stored = admin.resources(XdpNodeState.class).withName(NODE).get();
        assertThat(stored.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getApiVersion()).isEqualTo("v1");
            assertThat(o.getKind()).isEqualTo("Node");
            assertThat(o.getName()).isEqualTo(NODE);
            assertThat(o.getUid()).isEqualTo(node.getMetadata().getUid()).isNotBlank();
        });
        assertThat(admin.resources(XdpNodeState.class).withName("node-b").get()).as("never another node's").isNull();
        assertThat(state.getNode()).isEqualTo(NODE);
        assertThat(state.getKernelVersion()).isEqualTo("6.1.0-test");
        assertThat(state.getBpffsMounted()).isTrue();
        assertThat(state.getFilterCount()).isEqualTo(1);
        assertThat(state.getConditions()).singleElement().satisfies(c -> {
            assertThat(c.getType()).isEqualTo("Ready");
            assertThat(c.getStatus()).isEqualTo("True");
        });
        FilterNodeStatus entry = entry(state, "block");
        assertThat(entry.appliedGeneration()).isEqualTo(1L);
        assertThat(entry.ruleCount()).isEqualTo(1);
        assertThat(entry.interfaces()).singleElement().satisfies(i -> {
            assertThat(i.name()).isEqualTo("eth0");
            assertThat(i.attachMode()).isEqualTo("Native");
            assertThat(i.programId()).isEqualTo(1001L);
        });
        assertThat(stored.getStatus()).isEqualTo(state);
        assertThat(agent.state().synced()).isTrue();

        int writes = cluster.nodeStateWrites();
        int applies = dataplane.applies();
        agent.resync();
        agent.resync();
        agent.resync();
        assertThat(dataplane.applies()).as("each resync applies the whole state").isGreaterThanOrEqualTo(applies + 3);
        assertThat(cluster.nodeStateWrites()).as("no write when nothing changed").isEqualTo(writes);

        // A status-only change of the filter (the operator's roll-up) is not a change for the agent either.
        admin.resources(XdpFilter.class).withName("block").editStatus(f -> {
            f.setStatus(new io.xdpguard.api.v1alpha1.status.XdpFilterStatus());
            f.getStatus().setRuleCount(1);
            return f;
        });
        agent.resync();
        assertThat(cluster.nodeStateWrites()).isEqualTo(writes);

        assertThat(registry.find(AgentMetrics.RULE_PACKETS).tags("filter", "block", "rule", "r", "interface", "eth0",
                "action", "Drop").functionCounter()).isNotNull();
        assertThat(registry.find(AgentMetrics.ATTACHED_INTERFACES).tag("mode", "Native").gauge().value()).isEqualTo(1.0);
        assertThat(registry.find(AgentMetrics.APPLY_LATENCY).timer().count()).isGreaterThan(0);
    }

    @Test
    void aForeignProgramIsReportedAsAConflictInTheNodeState() {
        dataplane.foreignProgram("eth1", 77, "other_xdp");
        put(Filters.filter("both", """
                interfaces: {include: [eth0, eth1]}
                rules:
                  - {name: r, action: Drop, sources: [192.0.2.0/24]}
                """));
        startAgent();

        XdpNodeStateStatus state = awaitState(s -> !s.getConflicts().isEmpty());
        assertThat(state.getConflicts()).singleElement().satisfies(c -> {
            assertThat(c.interfaceName()).isEqualTo("eth1");
            assertThat(c.programId()).isEqualTo(77L);
            assertThat(c.programName()).isEqualTo("other_xdp");
            assertThat(c.message()).contains("77");
        });
        assertThat(sources("eth0")).as("the other interface is enforced").containsExactly("192.0.2.0/24");
        assertThat(dataplane.enforced("eth1")).as("the foreign program is left alone").isEmpty();
        assertThat(admin.resources(XdpNodeState.class).withName(NODE).get().getStatus().getConflicts())
                .extracting(c -> c.interfaceName()).containsExactly("eth1");
    }

    // --- failsafe --------------------------------------------------------------------------------------------

    @Test
    void failsafeSourcesAreTheNodeInternalIpsTheApiServerAndTheExtraCidrs() {
        admin.endpoints().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.EndpointsBuilder()
                .withNewMetadata().withName("kubernetes").withNamespace("default").endMetadata()
                .addNewSubset().addNewAddress().withIp("172.18.0.2").endAddress()
                .addNewPort().withPort(6443).endPort().endSubset().build()).create();
        admin.nodes().withName(NODE).editStatus(n -> {
            n.getStatus().getAddresses().add(new io.fabric8.kubernetes.api.model.NodeAddress("fd00::5", "InternalIP"));
            n.getStatus().getAddresses().add(new io.fabric8.kubernetes.api.model.NodeAddress("203.0.113.9", "ExternalIP"));
            n.getStatus().getAddresses().add(new io.fabric8.kubernetes.api.model.NodeAddress("node-a.example", "Hostname"));
            return n;
        });
        put(filter("block", null, 500, "192.0.2.0/24"));
        AgentSettings defaults = AgentSettings.defaults(NODE);
        startAgent(new AgentSettings(NODE, true, true, List.of("192.168.100.0/24"), "default", Duration.ofMillis(50),
                defaults.interfaceRescan(), defaults.resync(), defaults.statusRetry(), defaults.eventsPerMinute(), "dev"));

        awaitTrue(() -> sources("eth0").equals(List.of("192.0.2.0/24")), "filter enforced");
        assertThat(failsafeSources("eth0")).as("InternalIPs, the API server URL host, default/kubernetes endpoints, extra")
                .contains("10.0.0.5/32", "fd00::5/128", "127.0.0.1/32", "172.18.0.2/32", "192.168.100.0/24")
                .doesNotContain("203.0.113.9/32");
        assertThat(dataplane.enforced("eth0").orElseThrow().rules().rules().get(0).failsafe())
                .as("failsafe rules come before every filter").isTrue();

        // A new InternalIP of the Node is a change: re-planned without any filter event.
        admin.nodes().withName(NODE).editStatus(n -> {
            n.getStatus().getAddresses().add(new io.fabric8.kubernetes.api.model.NodeAddress("10.0.0.6", "InternalIP"));
            return n;
        });
        awaitTrue(() -> failsafeSources("eth0").contains("10.0.0.6/32"), () -> "new InternalIP in the failsafe; seen "
                + failsafeSources("eth0"));
    }

    @Test
    void failsafeDisabledPlansNoFailsafeRule() {
        put(filter("block", null, 500, "192.0.2.0/24"));
        startAgent();
        awaitTrue(() -> sources("eth0").equals(List.of("192.0.2.0/24")), "filter enforced");
        assertThat(dataplane.enforced("eth0").orElseThrow().rules().rules()).noneMatch(MatchRule::failsafe);
    }

    // --- events ----------------------------------------------------------------------------------------------

    @Test
    void eventsAreRateLimitedToThePerMinuteBudget() throws Exception {
        for (int i = 1; i <= 5; i++) {
            put(filter("bad-" + i, null, 500, "198.51.100.1/24")); // host bits set: invalid, nothing earlier in force
        }
        AgentSettings defaults = AgentSettings.defaults(NODE);
        startAgent(new AgentSettings(NODE, false, true, List.of(), "default", Duration.ofMillis(50),
                defaults.interfaceRescan(), defaults.resync(), defaults.statusRetry(), 2, "dev"));

        awaitState(s -> s.getFilters().stream().filter(f -> f.phase() == FilterPhase.Failed).count() == 5);
        awaitTrue(() -> allEvents().size() == 2, () -> "two events; seen " + allEvents().size());
        agent.resync();
        agent.resync();
        Thread.sleep(300);
        assertThat(allEvents()).as("5 distinct failures, a budget of 2 per minute").hasSize(2)
                .allSatisfy(e -> assertThat(e.getReason()).isEqualTo("NotApplied"))
                .extracting(e -> e.getInvolvedObject().getName()).doesNotHaveDuplicates();
    }

    // --- API outage ------------------------------------------------------------------------------------------

    @Test
    void apiOutageLeavesEnforcementAloneAndRecoveryResyncs() throws Exception {
        put(filter("block", null, 500, "192.0.2.0/24"));
        startAgent();
        awaitState(s -> phase(s, "block") == FilterPhase.Enforcing);
        Optional<InterfacePlan> before = dataplane.enforced("eth0");
        int writes = dataplane.writes();

        cluster.stop();
        Thread.sleep(1500); // watches fail and retry
        agent.resync();
        agent.resync();
        assertThat(dataplane.enforced("eth0")).as("enforcement untouched").isEqualTo(before);
        assertThat(dataplane.writes()).isEqualTo(writes);
        assertThat(dataplane.enforced("eth1")).isEmpty();

        cluster.start();
        XdpFilter changed = put(filter("block", null, 500, "198.51.100.0/24"));
        awaitTrue(() -> sources("eth0").equals(List.of("198.51.100.0/24")), "change after recovery applied");
        XdpNodeStateStatus state = awaitState(s -> entry(s, "block") != null
                && changed.getMetadata().getGeneration().equals(entry(s, "block").appliedGeneration()));
        assertThat(phase(state, "block")).isEqualTo(FilterPhase.Enforcing);
    }

    @Test
    void startingWithTheApiUnreachableAppliesNothingUntilTheFirstList() throws Exception {
        put(filter("block", null, 500, "192.0.2.0/24"));
        cluster.stop();
        startAgent();
        Thread.sleep(1000);
        assertThat(dataplane.applies()).as("what is pinned stays: no apply of an empty plan").isZero();
        assertThat(agent.state().synced()).isFalse();
        assertThat(agent.state().reason()).isEqualTo("WaitingForApiServer");

        cluster.start();
        awaitTrue(() -> sources("eth0").equals(List.of("192.0.2.0/24")), "applied after the first list");
        awaitState(s -> phase(s, "block") == FilterPhase.Enforcing);
        assertThat(agent.state().synced()).isTrue();
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static XdpFilter filter(String name, String nodeLabel, int priority, String... sources) {
        StringBuilder yaml = new StringBuilder();
        if (nodeLabel != null) {
            yaml.append("nodeSelector: {matchLabels: {").append(nodeLabel).append("}}\n");
        }
        yaml.append("interfaces: {include: [eth0]}\npriority: ").append(priority).append("\nrules:\n")
                .append("  - {name: r, action: Drop, sources: [").append(String.join(", ", sources)).append("]}\n");
        return Filters.filter(name, yaml.toString());
    }

    /** Eight filters of 1,024 rules on eth0, enforced: the limit of 8,192 (the failsafe is off). */
    private void enforceTheRuleLimitOnEth0() {
        for (int i = 0; i < 8; i++) {
            put(filterWithRules("big-" + i, 1024));
        }
        startAgent();
        awaitTrue(() -> filtersOn("eth0").size() == 8, "the 8,192 rules are enforced");
    }

    /** A filter on eth0 with {@code count} rules, each dropping its own source. */
    private static XdpFilter filterWithRules(String name, int count) {
        StringBuilder yaml = new StringBuilder("interfaces: {include: [eth0]}\npriority: 100\nrules:\n");
        for (int i = 0; i < count; i++) {
            yaml.append("  - {name: r").append(i).append(", action: Drop, sources: [10.").append(i >> 8).append('.')
                    .append(i & 255).append(".0/24]}\n");
        }
        return Filters.filter(name, yaml.toString());
    }

    private <T extends HasMetadata> T putResource(Class<T> type, T object) {
        object.getMetadata().setGeneration(null);
        T existing = admin.resources(type).withName(object.getMetadata().getName()).get();
        if (existing == null) {
            return admin.resources(type).resource(object).create();
        }
        object.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        return admin.resources(type).resource(object).update();
    }

    private XdpFilter put(XdpFilter filter) {
        return putResource(XdpFilter.class, filter);
    }

    private void putSet(String name, String... cidrs) {
        XdpCidrSet set = new XdpCidrSet();
        set.getMetadata().setName(name);
        set.setSpec(new XdpCidrSetSpec(List.of(cidrs)));
        putResource(XdpCidrSet.class, set);
    }

    private List<String> sources(String iface) {
        return dataplane.enforced(iface).map(p -> p.rules().rules().stream().filter(r -> !r.failsafe())
                .flatMap(r -> r.sources().prefixes().stream()).map(Object::toString).toList()).orElse(List.of());
    }

    private List<String> filtersOn(String iface) {
        return dataplane.enforced(iface).map(p -> p.rules().rules().stream().filter(r -> !r.failsafe())
                .map(MatchRule::filter).distinct().toList()).orElse(List.of());
    }

    private List<String> failsafeSources(String iface) {
        return dataplane.enforced(iface).map(p -> p.rules().rules().stream().filter(MatchRule::failsafe)
                .flatMap(r -> r.sources().prefixes().stream()).map(Object::toString).toList()).orElse(List.of());
    }

    private List<Event> allEvents() {
        return admin.v1().events().inNamespace("default").list().getItems();
    }

    private List<Event> events(String filter) {
        return admin.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> filter.equals(e.getInvolvedObject().getName())).toList();
    }

    private static FilterNodeStatus entry(XdpNodeStateStatus status, String name) {
        return status.getFilters().stream().filter(f -> f.name().equals(name)).findFirst().orElse(null);
    }

    private static FilterPhase phase(XdpNodeStateStatus status, String name) {
        FilterNodeStatus entry = entry(status, name);
        return entry == null ? null : entry.phase();
    }

    /** Waits until the stored XdpNodeState satisfies the condition; returns it. */
    private XdpNodeStateStatus awaitState(java.util.function.Predicate<XdpNodeStateStatus> condition) {
        XdpNodeStateStatus[] found = new XdpNodeStateStatus[1];
        awaitTrue(() -> {
            XdpNodeState state = admin.resources(XdpNodeState.class).withName(NODE).get();
            found[0] = state == null ? null : state.getStatus();
            return found[0] != null && found[0].getFilters() != null && condition.test(found[0]);
        }, () -> "node state; last seen: " + (found[0] == null ? null : admin.getKubernetesSerialization().asYaml(found[0])));
        return found[0];
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        awaitTrue(condition, () -> what);
    }

    private static void awaitTrue(BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                // the API may be restarting
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("timed out waiting for " + what.get());
    }

}
