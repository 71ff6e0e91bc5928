package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The legacy discovery documents ({@code /version}, {@code /api}, {@code /api/v1}, {@code /apis},
 * {@code /apis/GROUP/VERSION}) that kubectl and fabric8 read before touching a resource. kubectl 1.32 first asks
 * for aggregated discovery (apidiscovery.k8s.io/v2); answering the legacy format with
 * {@code Content-Type: application/json} makes it fall back to one request per group version, which is all a dev
 * server needs.
 */
final class Discovery {
    private static final List<String> VERBS = List.of("create", "delete", "deletecollection", "get", "list", "patch",
            "update", "watch");
    private static final List<String> SUBRESOURCE_VERBS = List.of("get", "patch", "update");
    private static final JsonNode VERSION = Json.parse("""
            {"major":"1","minor":"32","gitVersion":"v1.32.0-xdpguard-dev",
             "gitCommit":"0000000000000000000000000000000000000000",
             "gitTreeState":"clean","buildDate":"2024-12-11T00:00:00Z","goVersion":"go1.23.3","compiler":"gc",
             "platform":"linux/amd64"}""");

    private final ResourceCatalog catalog;

    Discovery(ResourceCatalog catalog) {
        this.catalog = catalog;
    }

    /**
     * The document at {@code path}, or empty when {@code path} is not a discovery path. {@code host} is the request's
     * Host header, which a real server also reports back as its address.
     */
    Optional<JsonNode> document(String path, String host) {
        String trimmed = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        List<String> segments = List.of(trimmed.substring(1).split("/"));
        if (trimmed.equals("/version")) {
            return Optional.of(VERSION);
        } else if (trimmed.equals("/api")) {
            return Optional.of(apiVersions(host));
        } else if (trimmed.equals("/apis")) {
            return Optional.of(groupList());
        } else if (segments.size() == 2 && segments.get(0).equals("api")) {
            return resourceList(segments.get(1));
        } else if (segments.size() == 3 && segments.get(0).equals("apis")) {
            return resourceList(segments.get(1) + "/" + segments.get(2));
        }
        return Optional.empty();
    }

    private JsonNode apiVersions(String host) {
        ObjectNode versions = Json.object().put("kind", "APIVersions");
        versions.putArray("versions").add("v1");
        versions.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0")
                .put("serverAddress", host);
        return versions;
    }

    private JsonNode groupList() {
        Map<String, Set<String>> versionsByGroup = new LinkedHashMap<>();
        for (ResourceType type : catalog.all()) {
            if (!type.group().isEmpty()) {
                versionsByGroup.computeIfAbsent(type.group(), g -> new LinkedHashSet<>()).add(type.version());
            }
        }
        ObjectNode list = Json.object().put("kind", "APIGroupList").put("apiVersion", "v1");
        ArrayNode groups = list.putArray("groups");
        versionsByGroup.forEach((group, versions) -> {
            ObjectNode entry = groups.addObject().put("name", group);
            ArrayNode versionList = entry.putArray("versions");
            versions.forEach(v -> versionList.addObject().put("groupVersion", group + "/" + v).put("version", v));
            entry.set("preferredVersion", versionList.get(0));
        });
        return list;
    }

    private Optional<JsonNode> resourceList(String groupVersion) {
        List<ResourceType> types = catalog.all().stream().filter(t -> t.groupVersion().equals(groupVersion)).toList();
        if (types.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode list = Json.object().put("kind", "APIResourceList").put("apiVersion", "v1")
                .put("groupVersion", groupVersion);
        ArrayNode resources = list.putArray("resources");
        for (ResourceType type : types) {
            ObjectNode resource = resources.addObject().put("name", type.plural())
                    .put("singularName", type.singular()).put("namespaced", type.namespaced())
                    .put("kind", type.kind());
            VERBS.forEach(resource.putArray("verbs")::add);
            if (!type.shortNames().isEmpty()) {
                type.shortNames().forEach(resource.putArray("shortNames")::add);
            }
            if (!type.categories().isEmpty()) {
                type.categories().forEach(resource.putArray("categories")::add);
            }
            for (String subresource : type.subresources()) {
                ObjectNode sub = resources.addObject().put("name", type.plural() + "/" + subresource)
                        .put("singularName", "").put("namespaced", type.namespaced()).put("kind", type.kind());
                SUBRESOURCE_VERBS.forEach(sub.putArray("verbs")::add);
            }
        }
        return Optional.of(list);
    }
}
