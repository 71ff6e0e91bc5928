package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The fabric8 CRUD mock that stores the objects, watches included. It keeps what it already does like a real server
 * (resourceVersion, generation, status subresource, finalizers, 409 on a stale PUT); the front dispatcher only hands
 * it requests in a form it gets right: no query string on writes, and every patch as the JSON patch that produces the
 * result. This class also evens out what the mock answers differently from a real server.
 */
final class Backend {
    private static final String JSON_PATCH = "application/json-patch+json";
    private static final String NULL_NAMESPACE = "\"namespace\":null";

    private final KubernetesCrudDispatcher store = new KubernetesCrudDispatcher();

    MockResponse dispatch(String method, String path, Headers headers, byte[] body) {
        MockResponse response = store.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.valueOf(method), path,
                headers, new Buffer(body)));
        return response.getWebSocketListener() == null ? withoutNullNamespace(response) : response;
    }

    /** The stored object or list at {@code path}, or empty on 404. */
    Optional<JsonNode> read(String path) {
        MockResponse response = dispatch("GET", path, Headers.builder().build(), new byte[0]);
        if (response.code() != 200) {
            return Optional.empty();
        }
        return Optional.of(Json.parse(response.getBody().readUtf8()));
    }

    MockResponse create(String collectionPath, Headers headers, JsonNode object) {
        return dispatch("POST", collectionPath, withContentType(headers, "application/json"), Json.bytes(object));
    }

    /** A PUT; when it removed the last finalizer of a deleted object, answers with that object as a server does. */
    MockResponse replace(String path, Headers headers, byte[] body) {
        return finalState(dispatch("PUT", path, headers, body), () -> Json.parse(new String(body,
                java.nio.charset.StandardCharsets.UTF_8)));
    }

    /**
     * Turns {@code current} into {@code target} through the mock's JSON-patch path, which applies the status
     * subresource rules, bumps resourceVersion and generation, answers 409 when {@code target} carries another
     * resourceVersion, and completes a deletion when the last finalizer goes.
     */
    MockResponse patchTo(String path, Headers headers, JsonNode current, JsonNode target) {
        MockResponse response = dispatch("PATCH", path, withContentType(headers, JSON_PATCH),
                Json.bytes(topLevelDiff(current, target)));
        return finalState(response, () -> target);
    }

    // The mock answers a write that completed a deletion with an empty body; clients expect the object.
    private static MockResponse finalState(MockResponse response, java.util.function.Supplier<JsonNode> object) {
        return response.code() / 100 == 2 && Responses.hasNoBody(response) ? Responses.json(200, object.get()) : response;
    }

    // Whole top-level fields are enough: the mock diffs the result itself to decide about generation.
    private static ArrayNode topLevelDiff(JsonNode current, JsonNode target) {
        ArrayNode ops = Json.MAPPER.createArrayNode();
        Set<String> fields = new LinkedHashSet<>();
        current.fieldNames().forEachRemaining(fields::add);
        target.fieldNames().forEachRemaining(fields::add);
        for (String field : fields) {
            JsonNode before = current.get(field);
            JsonNode after = target.get(field);
            if (after == null || after.isNull()) {
                if (before != null) {
                    ops.addObject().put("op", "remove").put("path", "/" + field);
                }
            } else if (!after.equals(before)) {
                ops.addObject().put("op", before == null ? "add" : "replace").put("path", "/" + field)
                        .set("value", after);
            }
        }
        return ops;
    }

    // After an update the mock stores "namespace": null on cluster-scoped objects; kubectl would print it.
    private static MockResponse withoutNullNamespace(MockResponse response) {
        if (Responses.hasNoBody(response)) {
            return response;
        }
        String text = new String(response.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!text.contains(NULL_NAMESPACE)) {
            return response;
        }
        JsonNode body = Json.parse(text);
        for (var it = Json.items(body); it.hasNext(); ) {
            if (it.next().get("metadata") instanceof ObjectNode metadata && metadata.path("namespace").isNull()) {
                metadata.remove("namespace");
            }
        }
        return response.setBody(body.toString());
    }

    static Headers withContentType(Headers headers, String contentType) {
        return headers.newBuilder().set("Content-Type", contentType).build();
    }
}
