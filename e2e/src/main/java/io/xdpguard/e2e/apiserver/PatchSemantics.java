package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a merge-style patch does to an object, computed here because the mock's own merge concatenates lists and
 * stores nulls instead of deleting.
 *
 * <p>{@link #mergePatch} is RFC 7386 exactly. {@link #strategicMergePatch} approximates the strategic merge patch
 * without the Go type information a real server has: lists of objects that all carry a {@code name} (containers,
 * volumes, env, ports...) or a {@code type} (conditions) merge by that key, every other list is replaced, and the
 * directives kubectl emits ({@code $patch}, {@code $retainKeys}, {@code $setElementOrder/…},
 * {@code $deleteFromPrimitiveList/…}) are honoured.
 */
final class PatchSemantics {
    private static final List<String> MERGE_KEYS = List.of("name", "type");
    private static final String PATCH = "$patch";
    private static final String RETAIN_KEYS = "$retainKeys";
    private static final String SET_ELEMENT_ORDER = "$setElementOrder/";
    private static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

    private PatchSemantics() {
    }

    /** RFC 7386: objects merge recursively, null deletes, anything else (lists included) replaces. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject() ? (ObjectNode) target.deepCopy() : Json.object();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getValue().isNull()) {
                result.remove(field.getKey());
            } else {
                result.set(field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
            }
        }
        return result;
    }

    static JsonNode strategicMergePatch(JsonNode target, JsonNode patch) {
        return strategicObject(target != null && target.isObject() ? (ObjectNode) target : Json.object(),
                (ObjectNode) patch).orElseGet(Json::object);
    }

    /** Empty when the patch deletes the whole object ({@code $patch: delete}). */
    private static Optional<ObjectNode> strategicObject(ObjectNode target, ObjectNode patch) {
        String directive = patch.path(PATCH).asText("");
        if (directive.equals("delete")) {
            return Optional.empty();
        }
        if (directive.equals("replace")) {
            return Optional.of(withoutDirectives(patch));
        }
        ObjectNode result = target.deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (key.startsWith("$")) {
                continue;
            }
            JsonNode existing = result.get(key);
            if (value.isNull()) {
                result.remove(key);
            } else if (value.isObject() && existing != null && existing.isObject()) {
                strategicObject((ObjectNode) existing, (ObjectNode) value)
                        .ifPresentOrElse(merged -> result.set(key, merged), () -> result.remove(key));
            } else if (value.isArray() && existing != null && existing.isArray()) {
                result.set(key, strategicList((ArrayNode) existing, (ArrayNode) value));
            } else {
                result.set(key, value.isObject() ? withoutDirectives((ObjectNode) value) : value.deepCopy());
            }
        }
        applyListDirectives(result, patch);
        if (patch.has(RETAIN_KEYS)) {
            Set<String> retained = new HashSet<>();
            patch.get(RETAIN_KEYS).forEach(k -> retained.add(k.asText()));
            result.retain(retained);
        }
        return Optional.of(result);
    }

    private static ArrayNode strategicList(ArrayNode target, ArrayNode patch) {
        Optional<String> mergeKey = mergeKey(target, patch);
        if (mergeKey.isEmpty()) {
            return patch.deepCopy();
        }
        String key = mergeKey.get();
        ArrayNode result = target.deepCopy();
        for (JsonNode element : patch) {
            int index = indexOf(result, key, element.get(key));
            if (element.path(PATCH).asText("").equals("delete")) {
                if (index >= 0) {
                    result.remove(index);
                }
            } else if (index >= 0) {
                Optional<ObjectNode> merged = strategicObject((ObjectNode) result.get(index), (ObjectNode) element);
                if (merged.isPresent()) {
                    result.set(index, merged.get());
                } else {
                    result.remove(index);
                }
            } else {
                result.add(withoutDirectives((ObjectNode) element));
            }
        }
        return result;
    }

    private static Optional<String> mergeKey(ArrayNode target, ArrayNode patch) {
        List<JsonNode> all = new ArrayList<>();
        target.forEach(all::add);
        patch.forEach(all::add);
        return MERGE_KEYS.stream()
                .filter(key -> !all.isEmpty() && all.stream().allMatch(e -> e.isObject() && e.hasNonNull(key)))
                .findFirst();
    }

    private static void applyListDirectives(ObjectNode result, ObjectNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
                JsonNode list = result.get(field.getKey().substring(DELETE_FROM_PRIMITIVE_LIST.length()));
                if (list instanceof ArrayNode array) {
                    Set<JsonNode> doomed = new HashSet<>();
                    field.getValue().forEach(doomed::add);
                    for (int i = array.size() - 1; i >= 0; i--) {
                        if (doomed.contains(array.get(i))) {
                            array.remove(i);
                        }
                    }
                }
            } else if (field.getKey().startsWith(SET_ELEMENT_ORDER)) {
                String name = field.getKey().substring(SET_ELEMENT_ORDER.length());
                if (result.get(name) instanceof ArrayNode array) {
                    result.set(name, ordered(array, (ArrayNode) field.getValue()));
                }
            }
        }
    }

    // Elements named in the order come first, in that order; the rest keep their relative order after them.
    private static ArrayNode ordered(ArrayNode list, ArrayNode order) {
        ArrayNode result = Json.MAPPER.createArrayNode();
        List<JsonNode> remaining = new ArrayList<>();
        list.forEach(remaining::add);
        for (JsonNode wanted : order) {
            for (Iterator<JsonNode> it = remaining.iterator(); it.hasNext(); ) {
                JsonNode element = it.next();
                if (element.equals(wanted) || element.isObject() && wanted.isObject() && sameKeys(element, wanted)) {
                    result.add(element);
                    it.remove();
                    break;
                }
            }
        }
        remaining.forEach(result::add);
        return result;
    }

    // $setElementOrder lists only the merge key of each element.
    private static boolean sameKeys(JsonNode element, JsonNode keyOnly) {
        for (Iterator<Map.Entry<String, JsonNode>> it = keyOnly.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> key = it.next();
            if (!key.getValue().equals(element.get(key.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(ArrayNode list, String key, JsonNode value) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).path(key).equals(value)) {
                return i;
            }
        }
        return -1;
    }

    private static ObjectNode withoutDirectives(ObjectNode node) {
        ObjectNode copy = node.deepCopy();
        copy.remove(PATCH);
        copy.remove(RETAIN_KEYS);
        List<String> directives = new ArrayList<>();
        copy.fieldNames().forEachRemaining(name -> {
            if (name.startsWith("$")) {
                directives.add(name);
            }
        });
        copy.remove(directives);
        return copy;
    }
}
