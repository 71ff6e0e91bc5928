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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The fabric8 CRUD mock that stores the objects, watches included. It keeps what it already does like a real server
 * (resourceVersion, generation, status subresource, finalizers, 409 on a stale PUT); the front dispatcher only hands
 * it requests in a form it gets right: no query string on writes, and every patch as the JSON patch that produces the
 * result. This class also evens out what the mock answers differently from a real server.
 */
final class Backend {
    private static final String JSON_PATCH = "application/json-patch+json";
    private static final String NULL_NAMESPACE = "\"namespace\":null";
    private static final String NULL_STATUS = "\"status\":null";

    private final KubernetesCrudDispatcher store = new KubernetesCrudDispatcher();

    MockResponse dispatch(String method, String path, Headers headers, byte[] body) {
        MockResponse response = store.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.valueOf(method), path,
                headers, new Buffer(body)));
        return response.getWebSocketListener() == null ? withoutMockNulls(response) : response;
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

    /**
     * A PUT. A write that changes nothing is answered with the stored object and not stored; one that removed the
     * last finalizer of a deleted object is answered with that object, as a server does.
     */
    MockResponse replace(ApiPath target, ResourceType type, Headers headers, byte[] body) {
        JsonNode requested;
        try {
            requested = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return dispatch("PUT", target.path(), headers, body);
        }
        Optional<JsonNode> current = read(target.objectPath());
        if (current.isPresent() && NoOpWrites.asStored(current.get(), requested)
                .filter(stored -> NoOpWrites.isNoOp(current.get(), stored, target, type)).isPresent()) {
            return Responses.json(200, current.get());
        }
        return finalState(dispatch("PUT", target.path(), headers, body), () -> requested);
    }

    /**
     * Turns {@code current} into {@code target} through the mock's JSON-patch path, which applies the status
     * subresource rules, bumps resourceVersion and generation, answers 409 when {@code target} carries another
     * resourceVersion, and completes a deletion when the last finalizer goes.
     */
    MockResponse patchTo(ApiPath path, ResourceType type, Headers headers, JsonNode current, JsonNode target) {
        if (NoOpWrites.isNoOp(current, target, path, type)) {
            return Responses.json(200, current);
        }
        MockResponse response = dispatch("PATCH", path.path(), withContentType(headers, JSON_PATCH),
                Json.bytes(topLevelDiff(current, target)));
        return finalState(response, () -> target);
    }

    // The mock answers a write that completed a deletion with an empty body; clients expect the object.
    private static MockResponse finalState(MockResponse response, Supplier<JsonNode> object) {
        boolean deleted = response.code() / 100 == 2 && Responses.hasNoBody(response);
        return deleted ? Responses.json(200, object.get()) : response;
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

    // After an update the mock stores "namespace": null on cluster-scoped objects and "status": null on objects
    // without status; a real server never shows either, and kubectl would print them.
    private static MockResponse withoutMockNulls(MockResponse response) {
        if (Responses.hasNoBody(response)) {
            return response;
        }
        String text = new String(response.getBody().getBytes(), StandardCharsets.UTF_8);
        if (!text.contains(NULL_NAMESPACE) && !text.contains(NULL_STATUS)) {
            return response;
        }
        JsonNode body = Json.parse(text);
        for (var it = Json.items(body); it.hasNext(); ) {
            JsonNode object = it.next();
            if (object.get("metadata") instanceof ObjectNode metadata && metadata.path("namespace").isNull()) {
                metadata.remove("namespace");
            }
            if (object instanceof ObjectNode o && o.path("status").isNull()) {
                o.remove("status");
            }
        }
        return response.setBody(body.toString());
    }

    private static Headers withContentType(Headers headers, String contentType) {
        return headers.newBuilder().set("Content-Type", contentType).build();
    }
}
