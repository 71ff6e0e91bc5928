package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Optional;

/**
 * Just enough OpenAPI v3 for kubectl to validate on the server: one document per group version whose PATCH
 * operations declare the {@code fieldValidation} parameter. Without it kubectl falls back to validating on the client
 * and, with no schemas to download, refuses {@code apply} unless given {@code --validate=false}. There are no schemas:
 * the server itself validates nothing beyond what the store needs (see docs/dev-api-server.md).
 */
final class OpenApiV3 {
    private static final String PREFIX = "/openapi/v3";

    private final ResourceCatalog catalog;

    OpenApiV3(ResourceCatalog catalog) {
        this.catalog = catalog;
    }

    Optional<JsonNode> document(String path) {
        if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
            return Optional.of(root());
        }
        if (!path.startsWith(PREFIX + "/")) {
            return Optional.empty();
        }
        String groupVersionPath = path.substring(PREFIX.length() + 1);
        List<ResourceType> types = catalog.all().stream().filter(t -> urlPath(t).equals(groupVersionPath)).toList();
        return types.isEmpty() ? Optional.empty() : Optional.of(groupVersion(types));
    }

    private JsonNode root() {
        ObjectNode root = Json.object();
        ObjectNode paths = root.putObject("paths");
        catalog.all().forEach(t -> paths.putObject(urlPath(t)).put("serverRelativeURL", PREFIX + "/" + urlPath(t)));
        return root;
    }

    private static JsonNode groupVersion(List<ResourceType> types) {
        ObjectNode document = Json.object().put("openapi", "3.0.0");
        document.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0");
        ObjectNode paths = document.putObject("paths");
        for (ResourceType type : types) {
            String namespace = type.namespaced() ? "/namespaces/{namespace}" : "";
            ObjectNode patch = paths.putObject("/" + urlPath(type) + namespace + "/" + type.plural() + "/{name}")
                    .putObject("patch");
            patch.putObject("x-kubernetes-group-version-kind").put("group", type.group())
                    .put("version", type.version()).put("kind", type.kind());
            patch.putArray("parameters").addObject().put("name", "fieldValidation").put("in", "query")
                    .putObject("schema").put("type", "string");
            patch.putObject("responses");
        }
        return document;
    }

    private static String urlPath(ResourceType type) {
        return type.group().isEmpty() ? "api/" + type.version() : "apis/" + type.groupVersion();
    }
}
