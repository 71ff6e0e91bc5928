package io.xdpguard.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.xdpguard.agent.dataplane.Reason;
import io.xdpguard.agent.dataplane.kernel.DropSample;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The Quarkus wiring: CDI (config, client, dataplane producer), readiness, /drops and /q/metrics. */
@QuarkusTest
@TestProfile(AgentTestProfile.class)
@WithKubernetesTestServer(crud = true)
class AgentEndpointsTest {
    @Inject
    ClusterAgentService service;
    @Inject
    KubernetesClient client;
    @TestHTTPResource("/")
    URL base;

    @Test
    void readinessDropsAndMetrics() throws Exception {
        assertThat(get("/q/health/ready").statusCode()).as("not ready before the agent runs").isEqualTo(503);
        for (String kind : new String[] {"xdpfilters", "xdpcidrsets", "xdpnodestates"}) {
            try (InputStream in = Files.newInputStream(Path.of("../crds/manifests/" + kind + ".xdpguard.io-v1.yml"))) {
                client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
            }
        }
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(AgentTestProfile.NODE).endMetadata().build()).create();
        client.resources(XdpFilter.class).resource(Filters.filter("block", """
                interfaces: {include: ["*"]}
                rules:
                  - {name: r, action: Drop, sources: [192.0.2.0/24]}
                """)).create();

        service.start();
        long deadline = System.currentTimeMillis() + 15_000;
        while (get("/q/health/ready").statusCode() != 200 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(get("/q/health/ready").statusCode()).isEqualTo(200);
        assertThat(get("/q/health/live").statusCode()).isEqualTo(200);
        while (client.resources(XdpNodeState.class).withName(AgentTestProfile.NODE).get() == null
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(client.resources(XdpNodeState.class).withName(AgentTestProfile.NODE).get()).isNotNull();

        for (int i = 0; i < 5; i++) {
            TestDataplanes.emit(new DropSample(i, 1, 7, i % 2 == 0 ? "block/r" : "other/x", Reason.RULE_DROP, 4, 6,
                    InetAddress.getByName("192.0.2." + i), InetAddress.getByName("10.0.0.1"), 40000 + i, 443));
        }
        String drops = get("/drops?filter=block&limit=10").body();
        assertThat(drops).contains("\"filter\":\"block\"").contains("\"rule\":\"r\"").contains("192.0.2.4")
                .doesNotContain("other").doesNotContain("192.0.2.1\"");
        assertThat(get("/drops?limit=1").body()).contains("192.0.2.4").doesNotContain("192.0.2.3");
        HttpResponse<String> bad = get("/drops?limit=ten");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("limit: not a number: ten");

        String metrics = get("/q/metrics").body();
        assertThat(metrics).contains("xdpguard_attached_interfaces").contains("xdpguard_rule_packets_total{")
                .contains("xdpguard_apply_latency_seconds_bucket").contains("xdpguard_drop_samples_total");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "") + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
