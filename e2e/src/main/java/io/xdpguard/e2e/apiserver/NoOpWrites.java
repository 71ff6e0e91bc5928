package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Optional;

/**
 * Whether a write would leave the object as it is. kube-apiserver skips such writes: no new resourceVersion, no
 * watch event. The mock would store them (it adds {@code "status": null} and the like), and every informer would
 * then see an update; a controller that patches its status on each reconcile would wake itself up forever.
 */
final class NoOpWrites {
    // What the server owns: a PUT body may omit or carry stale copies of these without changing the object.
    private static final List<String> SERVER_METADATA = List.of("uid", "creationTimestamp", "generation",
            "resourceVersion", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink");

    private NoOpWrites() {
    }

    /**
     * {@code target} is the object the client asks for; a status write only changes {@code .status} and a main write
     * of a kind with a status subresource everything else.
     */
    static boolean isNoOp(JsonNode current, JsonNode target, ApiPath path, ResourceType type) {
        if (path.isStatus()) {
            return current.path("status").equals(target.path("status"));
        }
        ObjectNode wanted = target.deepCopy();
        if (type.subresources().contains("status")) {
            wanted.remove("status");
            if (current.has("status")) {
                wanted.set("status", current.get("status"));
            }
        }
        return current.equals(wanted);
    }

    /** The PUT body with the server-owned metadata of {@code current}; empty if its resourceVersion is stale. */
    static Optional<JsonNode> asStored(JsonNode current, JsonNode body) {
        ObjectNode stored = body.deepCopy();
        JsonNode given = body.path("metadata").path("resourceVersion");
        if (!given.isMissingNode() && !given.equals(current.path("metadata").path("resourceVersion"))) {
            return Optional.empty();
        }
        if (stored.get("metadata") instanceof ObjectNode metadata) {
            for (String field : SERVER_METADATA) {
                metadata.remove(field);
                if (current.path("metadata").has(field)) {
                    metadata.set(field, current.get("metadata").get(field));
                }
            }
        }
        return Optional.of(stored);
    }
}
