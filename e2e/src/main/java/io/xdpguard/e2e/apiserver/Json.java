package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;

/** The Jackson calls the server's classes share. */
final class Json {
    static final ObjectMapper MAPPER = Serialization.jsonMapper();

    private Json() {
    }

    static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    static byte[] bytes(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** The items of a list, or the object itself. */
    static Iterator<JsonNode> items(JsonNode listOrObject) {
        return listOrObject.has("items") ? listOrObject.get("items").elements() : List.of(listOrObject).iterator();
    }
}
