package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The kinds served right now: the built-in ones and one per served version of every stored CRD, read from the store
 * on each call so a CRD created or deleted through the API appears in or leaves discovery at once.
 */
final class ResourceCatalog {
    static final String CRD_COLLECTION = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

    private final Backend backend;

    ResourceCatalog(Backend backend) {
        this.backend = backend;
    }

    List<ResourceType> all() {
        List<ResourceType> types = new ArrayList<>(BuiltInResources.ALL);
        backend.read(CRD_COLLECTION).ifPresent(list -> list.path("items").forEach(crd -> addServed(crd, types)));
        return types;
    }

    Optional<ResourceType> find(ApiPath path) {
        return all().stream().filter(t -> t.group().equals(path.group()) && t.version().equals(path.version())
                && t.plural().equals(path.plural())).findFirst();
    }

    private static void addServed(JsonNode crd, List<ResourceType> types) {
        JsonNode spec = crd.path("spec");
        JsonNode names = spec.path("names");
        for (JsonNode version : spec.path("versions")) {
            if (!version.path("served").asBoolean(true)) {
                continue;
            }
            List<String> subresources = new ArrayList<>();
            version.path("subresources").fieldNames().forEachRemaining(subresources::add);
            types.add(new ResourceType(spec.path("group").asText(), version.path("name").asText(),
                    names.path("plural").asText(), names.path("singular").asText(), names.path("kind").asText(),
                    spec.path("scope").asText().equals("Namespaced"), strings(names.path("shortNames")),
                    strings(names.path("categories")), subresources,
                    version.has("additionalPrinterColumns") ? version.get("additionalPrinterColumns") : null,
                    version.path("schema").get("openAPIV3Schema")));
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
