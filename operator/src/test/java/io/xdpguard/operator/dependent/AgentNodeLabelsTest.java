package io.xdpguard.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent label against a CRUD mock API server, with the operator's cache played by node snapshots the test keeps:
 * a cache that has not caught up with the operator's own write must not make it skip the next one.
 */
class AgentNodeLabelsTest {
    private KubernetesMockServer server;
    private KubernetesClient client;
    private AgentNodeLabels labels;
    private SimpleMeterRegistry registry;

    /** Refuses every patch of node "refusing" (as a webhook would), serves the rest as the CRUD server does. */
    static final class RefusingDispatcher extends KubernetesCrudDispatcher {
        @Override
        public MockResponse handlePatch(RecordedRequest request) {
            if (request.getPath().endsWith("/nodes/refusing")) {
                return new MockResponse().setResponseCode(403).setBody("{\"kind\":\"Status\",\"code\":403,\"message\":\"refused\"}");
            }
            return super.handlePatch(request);
        }
    }

    @BeforeEach
    void start() throws Exception {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new RefusingDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
        registry = new SimpleMeterRegistry();
        labels = new AgentNodeLabels(client, registry);
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Test
    void aLabelJustWrittenIsRemovedEvenWhenTheCacheHasNotSeenIt() {
        Node stale = create("n1");
        assertThat(labels.add(List.of(stale), Set.of("n1"))).isEmpty();
        assertThat(labelled("n1")).isTrue();

        // the cache still holds the node as it was before the label
        assertThat(labels.removeOthers(List.of(stale), Set.of())).isEmpty();
        assertThat(labelled("n1")).isFalse();
    }

    @Test
    void aLabelJustRemovedIsWrittenAgainEvenWhenTheCacheStillShowsIt() {
        create("n1");
        labels.add(List.of(live("n1")), Set.of("n1"));
        Node stale = live("n1"); // holds the label
        labels.removeOthers(List.of(stale), Set.of());
        assertThat(labelled("n1")).isFalse();

        assertThat(labels.add(List.of(stale), Set.of("n1"))).isEmpty();
        assertThat(labelled("n1")).isTrue();
    }

    @Test
    void aCacheThatHoldsTheWriteIsTrustedAgain() {
        create("n1");
        labels.add(List.of(live("n1")), Set.of("n1"));
        Node current = live("n1");
        // someone else removes the label afterwards; the cache then shows that
        client.nodes().withName("n1").edit(n -> new NodeBuilder(n).editMetadata().removeFromLabels(AgentNodeLabels.LABEL)
                .endMetadata().build());
        labels.add(List.of(current), Set.of("n1")); // the cache holds the operator's write: nothing to do
        assertThat(labelled("n1")).isFalse();
        labels.add(List.of(live("n1")), Set.of("n1"));
        assertThat(labelled("n1")).as("put back once the cache shows it gone").isTrue();
    }

    @Test
    void aNodeThatRefusesThePatchHoldsUpNoOther() {
        create("refusing");
        create("n2");
        List<String> failures = labels.add(List.of(live("refusing"), live("n2")), Set.of("refusing", "n2"));
        assertThat(failures).singleElement().satisfies(f -> assertThat(f).startsWith("refusing: "));
        assertThat(labelled("n2")).isTrue();
        assertThat(registry.get("xdpguard.node.label.failures").counter().count()).isEqualTo(1);
    }

    @Test
    void aNodeDeletedMeanwhileNeedsNoLabel() {
        Node gone = create("gone");
        client.nodes().withName("gone").delete();
        assertThat(labels.add(List.of(gone), Set.of("gone"))).isEmpty();
    }

    private Node create(String name) {
        return client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
                .addToLabels("kubernetes.io/os", "linux").endMetadata().build()).create();
    }

    private Node live(String name) {
        return client.nodes().withName(name).get();
    }

    private boolean labelled(String name) {
        return AgentNodeLabels.labelledInCache(live(name));
    }
}
