package io.xdpguard.e2e.apiserver;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The API semantics the operator and the node agents rely on, through the fabric8 client they use. */
class DevApiServerClientTest {
    private static final String FILTERS = "/apis/xdpguard.io/v1alpha1/xdpfilters";

    static DevApiServer server;
    static KubernetesClient client;

    @BeforeAll
    static void start() {
        server = DevApiServer.start("127.0.0.1", 0);
        client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder().withMasterUrl(server.url()).build()).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @Test
    void statusAndMainWritesEachChangeOnlyTheirPart() throws Exception {
        GenericKubernetesResource created = filters().resource(filter("status-split", "a", "b")).create();
        assertThat((Object) created.get("status")).as("status is dropped on create").isNull();
        assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);
        assertThat((Object) created.get("spec", "enforcement")).as("schema default").isEqualTo("Enforce");

        GenericKubernetesResource afterStatus = filter("status-split").subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"rules\":[]},\"status\":{\"ruleCount\":2}}");
        assertThat((Object) afterStatus.get("status", "ruleCount")).isEqualTo(2);
        assertThat(rules(afterStatus)).hasSize(2);
        assertThat(afterStatus.getMetadata().getGeneration()).isEqualTo(1L);

        // fieldManager in the query string must not turn a status write into a main write.
        HttpResponse<String> put = http("PUT", FILTERS + "/status-split/status?fieldManager=agent",
                "application/json", Serialization.asJson(withStatus(afterStatus, Map.of("ruleCount", 3))));
        assertThat(put.statusCode()).isEqualTo(200);
        GenericKubernetesResource afterPut = filter("status-split").get();
        assertThat((Object) afterPut.get("status", "ruleCount")).isEqualTo(3);
        assertThat(afterPut.getMetadata().getGeneration()).isEqualTo(1L);
        assertThat(Long.parseLong(afterPut.getMetadata().getResourceVersion()))
                .isGreaterThan(Long.parseLong(afterStatus.getMetadata().getResourceVersion()));

        GenericKubernetesResource mainWrite = withStatus(afterPut, Map.of("ruleCount", 99));
        mainWrite.getMetadata().setLabels(Map.of("team", "net"));
        GenericKubernetesResource afterLabel = filters().resource(mainWrite).update();
        assertThat((Object) afterLabel.get("status", "ruleCount")).as("main writes ignore status").isEqualTo(3);
        assertThat(afterLabel.getMetadata().getGeneration()).as("metadata is not spec").isEqualTo(1L);

        GenericKubernetesResource sameStatus = filter("status-split").subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"ruleCount\":3}}");
        assertThat(sameStatus.getMetadata().getResourceVersion()).as("a write that changes nothing is not stored")
                .isEqualTo(afterLabel.getMetadata().getResourceVersion());

        GenericKubernetesResource afterSpec = filter("status-split")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"priority\":7}}");
        assertThat(afterSpec.getMetadata().getGeneration()).isEqualTo(2L);
    }

    @Test
    void mergePatchReplacesListsAndNullDeletes() {
        GenericKubernetesResource created = filter("x", "a", "b");
        created.getMetadata().setLabels(Map.of("keep", "1", "drop", "2"));
        filters().resource(created).create();

        GenericKubernetesResource patched = filter("x").patch(PatchContext.of(PatchType.JSON_MERGE),
                """
                {"metadata":{"labels":{"drop":null}},"spec":{"rules":[{"name":"c","action":"Drop"}]}}""");

        assertThat(rules(patched)).extracting(r -> r.get("name")).containsExactly("c");
        assertThat(patched.getMetadata().getLabels()).containsOnlyKeys("keep");
    }

    @Test
    void aPutWithAStaleResourceVersionConflicts() {
        GenericKubernetesResource created = filters().resource(filter("stale", "a")).create();
        filter("stale").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"priority\":1}}");

        assertThatThrownBy(() -> filters().resource(created).update())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    }

    @Test
    void deletionWaitsForTheLastFinalizer() {
        GenericKubernetesResource withFinalizer = filter("final", "a");
        withFinalizer.getMetadata().setFinalizers(List.of("xdpguard.io/cleanup"));
        filters().resource(withFinalizer).create();

        filter("final").delete();
        GenericKubernetesResource deleting = filter("final").get();
        assertThat(deleting).isNotNull();
        assertThat(deleting.getMetadata().getDeletionTimestamp()).isNotNull();

        filter("final").edit(f -> {
            f.getMetadata().setFinalizers(List.of());
            return f;
        });
        assertThat(filter("final").get()).isNull();
    }

    @Test
    void serverSideApplyCreatesThenMergesTheAppliedFields() {
        GenericKubernetesResource applied = filters().resource(filter("ssa", "a")).fieldManager("operator")
                .forceConflicts().serverSideApply();
        assertThat(applied.getMetadata().getGeneration()).isEqualTo(1L);

        GenericKubernetesResource changed = filter("ssa", "b");
        GenericKubernetesResource reapplied = filters().resource(changed).fieldManager("operator").forceConflicts()
                .serverSideApply();
        assertThat(rules(reapplied)).extracting(r -> r.get("name")).containsExactly("b");
        assertThat(reapplied.getMetadata().getGeneration()).isEqualTo(2L);

        GenericKubernetesResource status = withStatus(filter("ssa", "ignored"), Map.of("ruleCount", 1));
        // How java-operator-sdk patches status by default.
        GenericKubernetesResource afterStatus = filters().resource(status).subresource("status")
                .patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
                        .withFieldManager("operator").withForce(true).build());
        assertThat((Object) afterStatus.get("status", "ruleCount")).isEqualTo(1);
        assertThat(rules(afterStatus)).extracting(r -> r.get("name")).containsExactly("b");
    }

    @Test
    void anInformerSeesAddUpdateAndDelete() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        SharedIndexInformer<GenericKubernetesResource> informer = filters().withLabel("watched", "yes")
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(GenericKubernetesResource f) {
                        events.add("add " + f.getMetadata().getName());
                    }

                    @Override
                    public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource f) {
                        events.add("update " + f.getMetadata().getName() + " " + rules(f).size());
                    }

                    @Override
                    public void onDelete(GenericKubernetesResource f, boolean unknownFinalState) {
                        events.add("delete " + f.getMetadata().getName());
                    }
                });
        try {
            GenericKubernetesResource watched = filter("watched", "a");
            watched.getMetadata().setLabels(Map.of("watched", "yes"));
            filters().resource(watched).create();
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("add watched");

            filter("watched").patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"spec\":{\"rules\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}");
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("update watched 2");

            filter("watched").delete();
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("delete watched");
        } finally {
            informer.close();
        }
    }

    @Test
    void theRequestLogRecordsClientAndOutcome() {
        server.requests().clear();
        filters().resource(filter("logged", "a")).create();
        filter("missing").get();

        List<RequestLog.RequestRecord> all = server.requests().all();
        assertThat(all).anySatisfy(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.path()).isEqualTo(FILTERS);
            assertThat(r.status()).isEqualTo(201);
            assertThat(r.userAgent()).startsWith("fabric8-kubernetes-client/");
        });
        assertThat(server.requests().count(r -> r.path().equals(FILTERS + "/missing") && r.status() == 404))
                .isEqualTo(1);
        assertThat(server.requests().count(RequestLog.RequestRecord::isWrite)).isEqualTo(1);
    }

    private static MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>> filters() {
        return client.genericKubernetesResources("xdpguard.io/v1alpha1", "XdpFilter");
    }

    private static Resource<GenericKubernetesResource> filter(String name) {
        return filters().withName(name);
    }

    private static GenericKubernetesResource filter(String name, String... ruleNames) {
        GenericKubernetesResource filter = Serialization.unmarshal("""
                {"apiVersion":"xdpguard.io/v1alpha1","kind":"XdpFilter","metadata":{"name":"%s"},
                 "spec":{"interfaces":{"include":["eth*"]},"rules":[]},"status":{"ruleCount":42}}"""
                .formatted(name), GenericKubernetesResource.class);
        List<Map<String, Object>> rules = filter.get("spec", "rules");
        for (String rule : ruleNames) {
            rules.add(new HashMap<>(Map.of("name", rule, "action", "Drop")));
        }
        return filter;
    }

    private static GenericKubernetesResource withStatus(GenericKubernetesResource resource,
                                                        Map<String, Object> status) {
        GenericKubernetesResource copy = Serialization.clone(resource);
        copy.setAdditionalProperty("status", status);
        return copy;
    }

    private static List<Map<String, Object>> rules(GenericKubernetesResource filter) {
        return filter.get("spec", "rules");
    }

    private static HttpResponse<String> http(String method, String path, String contentType, String body)
            throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url() + path))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", contentType)
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
