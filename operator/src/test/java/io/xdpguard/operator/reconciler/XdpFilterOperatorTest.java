package io.xdpguard.operator.reconciler;

import static io.xdpguard.operator.testing.Fixtures.labels;
import static io.xdpguard.operator.testing.Fixtures.report;
import static io.xdpguard.operator.testing.Fixtures.rule;
import static io.xdpguard.operator.testing.Fixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import io.xdpguard.api.v1alpha1.spec.DefaultAction;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.Rule;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.api.v1alpha1.spec.XdpCidrSetSpec;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import io.xdpguard.api.v1alpha1.status.NodeCounts;
import io.xdpguard.api.v1alpha1.status.XdpFilterStatus;
import io.xdpguard.operator.config.OperatorUserAgent;
import io.xdpguard.operator.dependent.AgentDaemonSet;
import io.xdpguard.operator.dependent.AgentNodeLabels;
import io.xdpguard.operator.rbac.ApiCall;
import io.xdpguard.operator.rbac.OperatorRbac;
import io.xdpguard.operator.status.Conditions;
import io.xdpguard.operator.testing.Await;
import io.xdpguard.operator.testing.Fixtures;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator against the fabric8 mock API server in CRUD mode; the test plays the agents by writing XdpNodeStates.
 * Nodes edge-1 and edge-2 (role=edge), db-1 (role=db) and the Windows node win-1 (role=edge) exist from the start
 * (ClusterSetup). One Quarkus profile.
 * The test's own requests go through a client of its own, with another User-Agent than the operator's; the last test
 * compares every request the operator made with the chart's RBAC.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ClusterSetup.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XdpFilterOperatorTest {
    static final String NS = "xdpguard-system";
    static final String FILTER = "edge-telnet";
    static final String USER_AGENT = "xdpguard-test";
    /** The leader electors of test 8, which stand in for the operator's (leader election is off in tests). */
    static final String ELECTOR_USER_AGENT = "xdpguard-test-leader-election";

    /** The operator's client (injected into the operator too); the test never calls through it. */
    @Inject
    KubernetesClient operatorClient;

    @KubernetesTestServer
    KubernetesServer server;

    /** The test's client: same server, User-Agent {@value #USER_AGENT}. */
    static KubernetesClient client;

    @Inject
    Operator operator;

    @Inject
    LeaderElectionConfiguration leaderElection;

    @BeforeEach
    void testClient() {
        if (client == null) {
            client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(operatorClient.getConfiguration())
                    .withUserAgent(USER_AGENT).build()).build();
        }
    }

    @AfterAll
    static void closeTestClient() {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    @Test
    @Order(1)
    void aFilterGetsTheAgentDaemonSetPlacedOnItsNodes() {
        create(Fixtures.filter(FILTER, 1, labels("role", "edge"), rule("telnet", RuleAction.Drop, Protocol.TCP, "23")));

        Await.until(() -> assertThat(daemonSet()).isNotNull());
        DaemonSet ds = daemonSet();
        PodSpec pod = ds.getSpec().getTemplate().getSpec();
        assertThat(ds.getMetadata().getOwnerReferences()).isEmpty();
        // The nodes labelled for the agent, on Linux nodes only: kubernetes.io/os=linux, or no such label (terms ORed).
        assertThat(pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms()).extracting(t -> t.getMatchExpressions().stream()
                        .map(r -> r.getKey() + " " + r.getOperator()
                                + (r.getValues() == null || r.getValues().isEmpty() ? "" : " " + r.getValues())).toList())
                .containsExactly(
                        List.of("xdpguard.io/agent In [true]", "kubernetes.io/os In [linux]"),
                        List.of("xdpguard.io/agent In [true]", "kubernetes.io/os DoesNotExist"));
        // role=edge: the Linux edge nodes, not the Windows one (win-1) nor db-1.
        Await.until(() -> assertThat(labelledNodes()).containsExactly("edge-1", "edge-2"));
        assertThat(pod.getHostNetwork()).isTrue();
        assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
        assertThat(pod.getTolerations()).singleElement().satisfies(t -> assertThat(t.getOperator()).isEqualTo("Exists"));
        Container agent = pod.getContainers().get(0);
        assertThat(agent.getImage()).isEqualTo("example.org/xdpguard-agent:test");
        assertThat(agent.getSecurityContext().getCapabilities().getAdd()).containsExactly("BPF", "NET_ADMIN", "PERFMON", "SYS_ADMIN");
        assertThat(agent.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("NODE_NAME");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        });
        assertThat(agent.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("XDPGUARD_AGENT_FAILSAFE_ENABLED");
            assertThat(e.getValue()).isEqualTo("true");
        });
        assertThat(agent.getVolumeMounts()).singleElement().satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/sys/fs/bpf"));
        assertThat(pod.getVolumes()).singleElement().satisfies(v -> {
            assertThat(v.getHostPath().getPath()).isEqualTo("/sys/fs/bpf");
            assertThat(v.getHostPath().getType()).isEqualTo("DirectoryOrCreate");
        });

        Await.until(() -> {
            XdpFilterStatus s = filter(FILTER).getStatus();
            assertThat(s).isNotNull();
            assertThat(s.getObservedGeneration()).isEqualTo(1L);
            // win-1 matches role=edge but is a Windows node: no agent will come, so it is not waited for.
            assertThat(s.getNodes()).isEqualTo(NodeCounts.of(2, 0, 2, 0));
            assertThat(condition(s, "Accepted").getStatus()).isEqualTo("True");
            assertThat(condition(s, "Ready").getStatus()).isEqualTo("False");
            assertThat(condition(s, "Ready").getMessage()).endsWith("not targeted: win-1 (kubernetes.io/os=windows, not linux)");
            assertThat(s.getRuleCount()).isEqualTo(1);
        });
    }

    @Test
    @Order(2)
    void statusFollowsTheAgents() {
        writeState(state("edge-1", report(FILTER, 1, FilterPhase.Enforcing)));
        writeState(state("edge-2", report(FILTER, 1, FilterPhase.Failed)));
        Await.until(() -> {
            XdpFilterStatus s = filter(FILTER).getStatus();
            assertThat(s.getNodes()).isEqualTo(NodeCounts.of(2, 1, 0, 1));
            assertThat(condition(s, "Degraded").getStatus()).isEqualTo("True");
            assertThat(s.getFailures()).singleElement().satisfies(f -> {
                assertThat(f.node()).isEqualTo("edge-2");
                assertThat(f.message()).isEqualTo("attach failed on eth0");
            });
        });

        writeState(state("edge-2", report(FILTER, 1, FilterPhase.Enforcing)));
        Await.until(() -> {
            XdpFilterStatus s = filter(FILTER).getStatus();
            assertThat(s.getNodes()).isEqualTo(NodeCounts.of(2, 2, 0, 0));
            assertThat(s.getNodes().summary()).isEqualTo("2/2");
            assertThat(condition(s, "Ready").getStatus()).isEqualTo("True");
            assertThat(condition(s, "Degraded").getStatus()).isEqualTo("False");
            assertThat(s.getFailures()).isEmpty();
            assertThat(s.getConditions()).extracting(c -> c.getType())
                    .containsExactly("Accepted", "Stalled", "Ready", "Degraded");
        });
    }

    @Test
    @Order(3)
    void anInvalidUpdateIsRejectedOnceAndChangesNothingThatRuns() {
        String templateBefore = daemonSet().getSpec().getTemplate().toString();
        XdpFilter f = filter(FILTER);
        f.getSpec().setNodeSelector(labels("role", "db"));
        f.getSpec().getRules().get(0).setPorts(new ArrayList<>(List.of("70000")));
        client.resources(XdpFilter.class).resource(f).update();

        Await.until(() -> {
            XdpFilter now = filter(FILTER);
            XdpFilterStatus s = now.getStatus();
            assertThat(now.getMetadata().getGeneration()).isEqualTo(2L);
            assertThat(s.getObservedGeneration()).isEqualTo(2L);
            assertThat(condition(s, "Accepted").getStatus()).isEqualTo("False");
            assertThat(condition(s, "Accepted").getReason()).isEqualTo("Invalid");
            assertThat(condition(s, "Accepted").getMessage()).startsWith("spec.rules[0].ports[0]");
            assertThat(s.getNodes()).isEqualTo(NodeCounts.of(2, 2, 0, 0));
            assertThat(condition(s, "Ready").getObservedGeneration()).isEqualTo(1L);
        });
        Await.until(() -> assertThat(events(FILTER, "Rejected")).hasSize(1));

        // Agents keep reporting; the operator reconciles again; still one Event, and the DaemonSet did not move.
        writeState(state("edge-1", report(FILTER, 1, FilterPhase.Enforcing), report("unrelated", 1, FilterPhase.NotSelected)));
        Await.sleep(Duration.ofSeconds(2));
        assertThat(events(FILTER, "Rejected")).hasSize(1);
        assertThat(event(FILTER, "Rejected").getMessage()).contains("Generation 2 rejected").contains("spec.rules[0].ports[0]");
        assertThat(daemonSet().getSpec().getTemplate().toString()).isEqualTo(templateBefore);
        assertThat(labelledNodes()).containsExactly("edge-1", "edge-2");

        // Fixed: accepted again at generation 3, for the db nodes now.
        XdpFilter fixed = filter(FILTER);
        fixed.getSpec().getRules().get(0).setPorts(new ArrayList<>(List.of("23")));
        client.resources(XdpFilter.class).resource(fixed).update();
        Await.until(() -> {
            XdpFilterStatus s = filter(FILTER).getStatus();
            assertThat(condition(s, "Accepted").getStatus()).isEqualTo("True");
            assertThat(s.getObservedGeneration()).isEqualTo(3L);
            assertThat(s.getNodes()).isEqualTo(NodeCounts.of(1, 0, 1, 0));
        });
        // db-1 gets the agent; the edge nodes still hold generation 1, so they keep it until their agents drop it. The
        // pod template did not change: no agent rolls for a new selector.
        Await.until(() -> assertThat(labelledNodes()).containsExactly("db-1", "edge-1", "edge-2"));
        assertThat(daemonSet().getSpec().getTemplate().toString()).isEqualTo(templateBefore);
    }

    @Test
    @Order(4)
    void aReferencedCidrSetMustExistAndIsFollowed() {
        Rule fromSet = rule("bad-nets", RuleAction.Drop, Protocol.Any);
        fromSet.setSourceSets(List.of("abusers"));
        create(Fixtures.filter("blocklist", 1, labels("role", "edge"), fromSet));
        Await.until(() -> {
            Condition accepted = condition(filter("blocklist").getStatus(), "Accepted");
            assertThat(accepted.getReason()).isEqualTo("UnknownCidrSet");
            assertThat(accepted.getMessage()).contains("spec.rules[0].sourceSets[0]");
        });

        XdpCidrSet set = new XdpCidrSet();
        set.getMetadata().setName("abusers");
        set.setSpec(new XdpCidrSetSpec(new ArrayList<>(List.of("192.0.2.0/24", "2001:db8::/32"))));
        client.resources(XdpCidrSet.class).resource(set).create();
        Await.until(() -> {
            XdpCidrSet now = client.resources(XdpCidrSet.class).withName("abusers").get();
            assertThat(now.getStatus().getCount()).isEqualTo(2);
            assertThat(Conditions.isTrue(now.getStatus().getConditions(), "Accepted")).isTrue();
            assertThat(condition(filter("blocklist").getStatus(), "Accepted").getStatus()).isEqualTo("True");
        });
    }

    @Test
    @Order(5)
    void aFilterThatNeedsTheFailsafeIsAcceptedWithAWarning() {
        XdpFilter allow = Fixtures.filter("allowlist", 1, labels("role", "edge"), rule("https", RuleAction.Pass, Protocol.TCP, "443"));
        allow.getSpec().setDefaultAction(DefaultAction.Drop);
        create(allow);
        Await.until(() -> assertThat(events("allowlist", "FailsafeLockout")).singleElement()
                .satisfies(e -> assertThat(e.getMessage()).contains("spec.defaultAction drops TCP 22")
                        .contains("only because the dataplane's failsafe")));
        Await.until(() -> assertThat(condition(filter("allowlist").getStatus(), "Accepted").getStatus()).isEqualTo("True"));
        delete("allowlist");
        delete("blocklist");
        // Quiescent before test 6 stops the operator: a reconcile still running at Operator.stop() leaves JOSDK's
        // per-resource state "in progress", and the restarted operator would then skip that filter.
        Await.until(() -> assertThat(daemonSet().getMetadata().getAnnotations().get(AgentDaemonSet.SELECTORS_ANNOTATION))
                .doesNotContain("allowlist").doesNotContain("blocklist"));
        Await.sleep(Duration.ofSeconds(1));
    }

    @Test
    @Order(6)
    void theOperatorConvergesAfterARestart() {
        operator.stop();
        writeState(state("db-1", report(FILTER, 3, FilterPhase.Enforcing)));
        writeState(state("edge-1"));
        writeState(state("edge-2"));
        operator.start();
        Await.until(() -> {
            XdpFilterStatus s = filter(FILTER).getStatus();
            assertThat(s.getNodes()).isEqualTo(NodeCounts.of(1, 1, 0, 0));
            assertThat(condition(s, "Ready").getStatus()).isEqualTo("True");
            // The edge agents dropped the filter meanwhile: only db-1 keeps the agent.
            assertThat(labelledNodes()).containsExactly("db-1");
        });
    }

    @Test
    @Order(7)
    void deletionWaitsForTheAgentsThenReleasesAndRemovesTheDaemonSet() {
        Await.until(() -> assertThat(filter(FILTER).getMetadata().getFinalizers()).isNotEmpty());
        client.resources(XdpFilter.class).withName(FILTER).delete();
        Await.sleep(Duration.ofSeconds(2));
        XdpFilter deleting = filter(FILTER);
        assertThat(deleting).isNotNull();
        assertThat(deleting.getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(daemonSet()).isNotNull();

        assertThat(labelledNodes()).containsExactly("db-1");

        writeState(state("db-1"));
        Await.until(() -> assertThat(filter(FILTER)).isNull());
        Await.until(() -> assertThat(daemonSet()).isNull());
        Await.until(() -> assertThat(labelledNodes()).isEmpty());
    }

    /**
     * Leader election is off in the test profile (JOSDK runs it in prod): two electors built as JOSDK builds the
     * operator's (fabric8 LeaderElector, LeaseLock, the produced configuration) compete for the operator's Lease, on a
     * client of their own whose calls the RBAC check counts as the operator's.
     */
    @Test
    @Order(8)
    void leaderElectionUsesALeaseInTheOperatorNamespace() throws Exception {
        assertThat(leaderElection.getLeaseName()).isEqualTo("xdpguard-operator");
        assertThat(leaderElection.getLeaseNamespace()).contains(NS);
        assertThat(leaderElection.getIdentity()).contains("xdpguard-operator");

        // Two replicas, one Lease: exactly one leads; when it stops, the other takes over.
        Set<String> leaders = ConcurrentHashMap.newKeySet();
        try (KubernetesClient electorClient = new KubernetesClientBuilder().withConfig(new ConfigBuilder(
                operatorClient.getConfiguration()).withUserAgent(ELECTOR_USER_AGENT).build()).build()) {
            CompletableFuture<?> a = elector(electorClient, "replica-a", leaders);
            CompletableFuture<?> b = elector(electorClient, "replica-b", leaders);
            Await.until(() -> assertThat(leaders).hasSize(1));
            Await.sleep(Duration.ofSeconds(2));
            assertThat(leaders).hasSize(1);
            String first = leaders.iterator().next();
            (first.equals("replica-a") ? a : b).cancel(true);
            Await.until(Duration.ofSeconds(30), () -> assertThat(leaders).hasSize(1).doesNotContain(first));
            a.cancel(true);
            b.cancel(true);
        }
    }

    /**
     * Issue #7: the operator's RBAC in the chart covers every call the operator made in this run (filters created,
     * updated, rejected, deleted through the finalizer; a CIDR set; nodes and node states; the DaemonSet created,
     * updated, deleted; Events; status patches; and, through test 8's electors, its leader-election Lease) and grants
     * nothing it did not use, except the commented {@code OperatorRbac.NOT_EXERCISED}.
     */
    @Test
    @Order(9)
    void theChartsOperatorRbacIsExactlyWhatTheOperatorCalled() throws InterruptedException {
        List<ApiCall> calls = new ArrayList<>();
        Set<String> userAgents = new java.util.TreeSet<>();
        RecordedRequest request;
        while ((request = server.getKubernetesMockServer().takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            String userAgent = request.getHeader("User-Agent");
            userAgents.add(userAgent);
            if (OperatorUserAgent.USER_AGENT.equals(userAgent) || ELECTOR_USER_AGENT.equals(userAgent)) {
                calls.add(ApiCall.of(request.getMethod(), request.getPath()));
            }
        }
        // Every request came from a known client: the operator cannot call through one the recording would miss.
        assertThat(userAgents).containsExactlyInAnyOrder(OperatorUserAgent.USER_AGENT, ELECTOR_USER_AGENT, USER_AGENT,
                ClusterSetup.USER_AGENT);
        assertThat(calls).hasSizeGreaterThan(20);

        List<String> seen = calls.stream().map(ApiCall::toString).distinct().sorted().toList();
        assertThat(OperatorRbac.notGranted(calls)).as("calls the operator made that the chart does not grant").isEmpty();
        assertThat(OperatorRbac.unused(calls)).as("grants the operator never used (calls seen: %s)", seen).isEmpty();
    }

    private static CompletableFuture<?> elector(KubernetesClient electorClient, String identity, Set<String> leaders) {
        return electorClient.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName("test-election")
                .withLock(new LeaseLock(NS, "xdpguard-operator", identity))
                .withLeaseDuration(Duration.ofSeconds(3)).withRenewDeadline(Duration.ofSeconds(2))
                .withRetryPeriod(Duration.ofMillis(300)).withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(() -> leaders.add(identity), () -> leaders.remove(identity), n -> {
                }))
                .build()).build().start();
    }

    private void create(XdpFilter f) {
        f.getMetadata().setGeneration(null);
        client.resources(XdpFilter.class).resource(f).create();
    }

    private void delete(String name) {
        client.resources(XdpFilter.class).withName(name).delete();
        Await.until(() -> assertThat(filter(name)).isNull());
    }

    private XdpFilter filter(String name) {
        return client.resources(XdpFilter.class).withName(name).get();
    }

    private DaemonSet daemonSet() {
        return client.apps().daemonSets().inNamespace(NS).withName("xdpguard-agent").get();
    }

    /** The nodes carrying the agent label, sorted. */
    private static List<String> labelledNodes() {
        return client.nodes().list().getItems().stream()
                .filter(n -> n.getMetadata().getLabels() != null
                        && AgentNodeLabels.VALUE.equals(n.getMetadata().getLabels().get(AgentNodeLabels.LABEL)))
                .map(n -> n.getMetadata().getName()).sorted().toList();
    }

    /** As an agent does: one object per node, status written through the status subresource. */
    private void writeState(XdpNodeState state) {
        var resource = client.resources(XdpNodeState.class).withName(state.getMetadata().getName());
        XdpNodeState existing = resource.get();
        if (existing == null) {
            // The API server (and the mock) drop status on create: create, then write the status subresource.
            XdpNodeState fresh = new XdpNodeState();
            fresh.getMetadata().setName(state.getMetadata().getName());
            existing = client.resources(XdpNodeState.class).resource(fresh).create();
        }
        existing.setStatus(state.getStatus());
        client.resources(XdpNodeState.class).resource(existing).updateStatus();
    }

    private List<Event> events(String name, String reason) {
        return client.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason())).toList();
    }

    private Event event(String name, String reason) {
        return events(name, reason).get(0);
    }

    private static Condition condition(XdpFilterStatus status, String type) {
        assertThat(status).isNotNull();
        return Conditions.find(status.getConditions(), type).orElseThrow(() -> new AssertionError("no " + type + " in " + status.getConditions()));
    }
}
