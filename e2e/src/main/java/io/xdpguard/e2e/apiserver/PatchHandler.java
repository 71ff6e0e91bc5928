package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.zjsonpatch.JsonPatch;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

/**
 * PATCH by content type: JSON patch, merge patch, strategic merge patch and server-side apply are computed here
 * ({@link PatchSemantics}) and handed to the mock as the JSON patch that produces the result.
 *
 * <p>Server-side apply is approximated: create the object if absent, otherwise a JSON merge patch of the applied
 * fields. Managed fields and field ownership are not modelled, so an apply never removes a field another manager
 * set, nor a field this manager stopped applying, and never reports a conflict.
 */
final class PatchHandler {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Backend backend;

    PatchHandler(Backend backend) {
        this.backend = backend;
    }

    MockResponse handle(ApiPath target, ResourceType type, Headers headers, byte[] body) {
        String contentType = Optional.ofNullable(headers.get("Content-Type")).orElse("").toLowerCase(Locale.ROOT);
        boolean apply = contentType.startsWith("application/apply-patch+yaml");
        boolean jsonPatch = contentType.startsWith("application/json-patch+json");
        JsonNode patch;
        try {
            patch = apply ? YAML.readTree(body) : Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return Responses.failure(400, "BadRequest", "cannot parse the patch: " + e.getMessage());
        }
        if (jsonPatch != patch.isArray()) {
            return Responses.failure(400, "BadRequest", jsonPatch ? "a JSON patch must be an array"
                    : "a merge patch or an applied configuration must be an object");
        }
        Optional<JsonNode> current = backend.read(target.objectPath());
        if (apply) {
            JsonNode applied = withoutManagedFields((ObjectNode) patch);
            if (current.isEmpty()) {
                SchemaDefaults.apply(type.schema(), applied);
                return create(target, headers, applied);
            }
            return patchTo(target, type, headers, current.get(), PatchSemantics.mergePatch(current.get(), applied));
        }
        if (current.isEmpty()) {
            return Responses.notFound(target);
        }
        if (jsonPatch) {
            return jsonPatch(target, type, headers, current.get(), patch);
        }
        if (contentType.startsWith("application/merge-patch+json")) {
            return patchTo(target, type, headers, current.get(), PatchSemantics.mergePatch(current.get(), patch));
        }
        if (contentType.startsWith("application/strategic-merge-patch+json")) {
            return patchTo(target, type, headers, current.get(),
                    PatchSemantics.strategicMergePatch(current.get(), patch));
        }
        return Responses.failure(415, "UnsupportedMediaType", "the patch content type " + contentType
                + " is not supported");
    }

    private MockResponse jsonPatch(ApiPath path, ResourceType type, Headers headers, JsonNode current,
                                   JsonNode patch) {
        JsonNode target;
        try {
            target = JsonPatch.apply(patch, current);
        } catch (RuntimeException e) {
            return Responses.failure(422, "Invalid", "the JSON patch does not apply: " + e.getMessage());
        }
        return patchTo(path, type, headers, current, target);
    }

    private MockResponse patchTo(ApiPath path, ResourceType type, Headers headers, JsonNode current,
                                 JsonNode target) {
        SchemaDefaults.apply(type.schema(), target);
        return backend.patchTo(path, type, headers, current, target);
    }

    private MockResponse create(ApiPath target, Headers headers, JsonNode object) {
        if (target.subresource() != null) {
            return Responses.notFound(target);
        }
        return backend.create(target.collectionPath(), headers, object);
    }

    // The applier's view of managed fields means nothing here and must not overwrite the stored metadata.
    private static JsonNode withoutManagedFields(ObjectNode patch) {
        ObjectNode copy = patch.deepCopy();
        if (copy.get("metadata") instanceof ObjectNode metadata) {
            metadata.remove("managedFields");
        }
        return copy;
    }
}
