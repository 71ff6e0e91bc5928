package io.xdpguard.e2e.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Stand-in for the dev API server until it lands: the fabric8 mock server in CRUD mode with the xdpguard CRDs (from
 * the crds jar) and a request log, plus the two things the operator's prod profile needs and the plain mock lacks:
 * <ul>
 *   <li>server-side apply (the operator is built with SSA on; {@code enable-ssa} is fixed at build time), approximated
 *   as read, merge, PUT: on {@code /status} the applied status replaces the stored one (the operator owns all of it),
 *   on the object the applied map fields are merged in (lists replaced), and a missing object is created;</li>
 *   <li>SelfSubjectRulesReview, which the operator SDK posts before leader election: everything is allowed.</li>
 * </ul>
 */
final class StandInApiServer implements ApiServer {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The mock server logs every request at INFO; kept referenced so the level sticks. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }
    private final ConcurrentLinkedQueue<Request> log = new ConcurrentLinkedQueue<>();
    private final KubernetesMockServer server;

    private StandInApiServer(String host, int port) throws IOException {
        KubernetesCrudDispatcher dispatcher = new KubernetesCrudDispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                MockResponse response = answer(this, request, super::dispatch);
                String path = request.getPath();
                int q = path.indexOf('?');
                log.add(new Request(request.getMethod(), q < 0 ? path : path.substring(0, q), q < 0 ? null : path.substring(q + 1),
                        request.getHeader("User-Agent"), response == null ? 0 : response.code()));
                return response;
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(InetAddress.getByName(host), port);
        try (KubernetesClient admin = client("stand-in-setup")) {
            for (String kind : List.of("xdpfilters", "xdpcidrsets", "xdpnodestates")) {
                String resource = "/META-INF/fabric8/" + kind + ".xdpguard.io-v1.yml";
                try (InputStream in = StandInApiServer.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IllegalStateException(resource + " is not on the classpath (xdpguard-crds)");
                    }
                    admin.resource(admin.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
                }
            }
        }
        log.clear();
    }

    private static MockResponse answer(KubernetesCrudDispatcher crud, RecordedRequest request,
            java.util.function.Function<RecordedRequest, MockResponse> plain) {
        String path = request.getPath();
        String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        if ("POST".equals(request.getMethod()) && bare.endsWith("/selfsubjectrulesreviews")) {
            ObjectNode review = (ObjectNode) tree(request.getUtf8Body());
            review.putObject("status").putArray("resourceRules").addObject()
                    .<ObjectNode>set("verbs", JSON.createArrayNode().add("*"))
                    .<ObjectNode>set("apiGroups", JSON.createArrayNode().add("*"))
                    .set("resources", JSON.createArrayNode().add("*"));
            return new MockResponse().setResponseCode(201).setBody(review.toString());
        }
        String contentType = String.valueOf(request.getHeader("Content-Type"));
        if ("PATCH".equals(request.getMethod()) && contentType.startsWith("application/apply-patch")) {
            return apply(crud, request, bare);
        }
        return plain.apply(request);
    }

    private static MockResponse apply(KubernetesCrudDispatcher crud, RecordedRequest request, String path) {
        ObjectNode applied = (ObjectNode) tree(request.getUtf8Body());
        boolean status = path.endsWith("/status");
        String objectPath = status ? path.substring(0, path.length() - "/status".length()) : path;
        MockResponse current = crud.handleGet(objectPath);
        if (current.code() == 404) {
            if (status) {
                return current;
            }
            String collection = objectPath.substring(0, objectPath.lastIndexOf('/'));
            return crud.handleCreate(request("POST", collection, applied.toString()));
        }
        ObjectNode stored = (ObjectNode) tree(current.getBody().readUtf8());
        if (status) {
            stored.set("status", applied.get("status"));
        } else {
            applied.remove("status");
            merge(stored, applied);
        }
        return crud.handleUpdate(request("PUT", path, stored.toString()));
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void merge(ObjectNode into, ObjectNode from) {
        from.fields().forEachRemaining(e -> {
            if (e.getValue() instanceof ObjectNode o && into.get(e.getKey()) instanceof ObjectNode target) {
                merge(target, o);
            } else {
                into.set(e.getKey(), e.getValue());
            }
        });
    }

    private static RecordedRequest request(String method, String path, String body) {
        return new RecordedRequest("HTTP/1.1", HttpMethod.valueOf(method), path,
                new Headers.Builder().add("Content-Type", "application/json").build(),
                new Buffer(body.getBytes(StandardCharsets.UTF_8)));
    }

    static StandInApiServer start(String host, int port) {
        try {
            return new StandInApiServer(host, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    private KubernetesClient client(String userAgent) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty()).withMasterUrl(url())
                .withUserAgent(userAgent).build()).build();
    }

    @Override
    public List<Request> requests() {
        return List.copyOf(log);
    }

    @Override
    public void clearRequests() {
        log.clear();
    }

    @Override
    public void close() {
        server.destroy();
    }
}
