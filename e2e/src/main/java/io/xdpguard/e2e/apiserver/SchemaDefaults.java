package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;

/**
 * The {@code default}s of a CRD's structural schema, applied to every object written as kube-apiserver does: a
 * missing property with a default gets it, top-down, so a defaulted object gets its own properties' defaults too.
 * The operator sees defaulted objects from a real server and may rely on them (e.g. {@code enforcement: Enforce}).
 */
final class SchemaDefaults {
    private SchemaDefaults() {
    }

    /** Fills in defaults in place; a null schema (built-in kinds) changes nothing. */
    static void apply(JsonNode schema, JsonNode value) {
        if (schema == null || value == null) {
            return;
        }
        if (value instanceof ObjectNode object && schema.has("properties")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = schema.get("properties").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> property = it.next();
                if (!object.has(property.getKey()) && property.getValue().has("default")) {
                    object.set(property.getKey(), property.getValue().get("default").deepCopy());
                }
                apply(property.getValue(), object.get(property.getKey()));
            }
        } else if (value.isArray() && schema.has("items")) {
            value.forEach(element -> apply(schema.get("items"), element));
        }
    }
}
