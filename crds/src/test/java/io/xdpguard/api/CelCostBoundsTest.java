package io.xdpguard.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the API server checks of every CEL rule when a CRD is created, and the mock server does not: the rule's
 * estimated worst-case cost must stay within a budget (10,000,000 per rule), estimated from the schema's bounds. A
 * string without maxLength is assumed ~3 MB long, an array without maxItems as long as a request allows, so a string
 * function or a nested iteration over such values makes the whole CRD fail to install. These are conservative
 * stand-ins for that estimate: every string a string function may read is bounded, and nested iterations stay small.
 */
class CelCostBoundsTest {
    private static final Pattern STRING_FUNCTIONS =
            Pattern.compile("\\.(matches|split|contains|startsWith|endsWith|find|findAll|lowerAscii|upperAscii|replace|indexOf)\\(");
    private static final Pattern MACROS = Pattern.compile("\\.(all|exists|exists_one|map|filter)\\(");
    /** Iterations of the inner macro of a nested pair, in the worst case, well below what the budget allows. */
    private static final long MAX_NESTED_ITERATIONS = 100_000;

    @Test
    void everyCelRuleOfEveryCrdIsBounded() {
        List<String> problems = new ArrayList<>();
        for (String file : CrdSchemas.crdFileNames()) {
            JsonNode schema = CrdSchemas.read(CrdSchemas.GENERATED.resolve(file))
                    .at("/spec/versions/0/schema/openAPIV3Schema");
            check(file, "", schema, problems);
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void theChecksFindAnUnboundedStringAndAQuadraticRule() {
        JsonNode unbounded = CrdSchemas.YAML.valueToTree(Map.of("type", "array", "maxItems", 64,
                "items", Map.of("type", "string"),
                "x-kubernetes-validations", List.of(Map.of("rule", "self.all(p, p.matches('^[0-9]+$'))"))));
        JsonNode quadratic = CrdSchemas.YAML.valueToTree(Map.of("type", "array", "maxItems", 1024,
                "items", Map.of("type", "object", "properties", Map.of("name", Map.of("type", "string", "maxLength", 63))),
                "x-kubernetes-validations", List.of(Map.of("rule", "self.all(r, self.exists_one(s, s.name == r.name))"))));
        List<String> problems = new ArrayList<>();
        check("test", "ports", unbounded, problems);
        check("test", "rules", quadratic, problems);
        assertThat(problems).containsExactly(
                "test: ports: rule uses a string function but ports[] has no maxLength",
                "test: rules: nested iteration over up to 1024 x 1024 items");
    }

    private static void check(String file, String path, JsonNode node, List<String> problems) {
        for (JsonNode validation : node.path("x-kubernetes-validations")) {
            String rule = validation.path("rule").asText();
            if (STRING_FUNCTIONS.matcher(rule).find()) {
                unboundedStrings(path, path, node, problems, file);
            }
            long macros = count(MACROS.matcher(rule));
            if (macros >= 2 && node.path("type").asText().equals("array")) {
                long items = node.path("maxItems").asLong(Long.MAX_VALUE);
                if (items == Long.MAX_VALUE || items * items > MAX_NESTED_ITERATIONS) {
                    problems.add(file + ": " + path + ": nested iteration over up to "
                            + (items == Long.MAX_VALUE ? "unbounded" : items + " x " + items) + " items");
                }
            }
        }
        node.path("properties").fields().forEachRemaining(e -> check(file, join(path, e.getKey()), e.getValue(), problems));
        if (node.has("items")) {
            check(file, path + "[]", node.get("items"), problems);
        }
    }

    /** Strings under node (itself, its items, its properties) without maxLength or enum. */
    private static void unboundedStrings(String rulePath, String path, JsonNode node, List<String> problems, String file) {
        if (node.path("type").asText().equals("string") && !node.has("maxLength") && !node.has("enum")) {
            problems.add(file + ": " + rulePath + ": rule uses a string function but " + path + " has no maxLength");
        }
        node.path("properties").fields()
                .forEachRemaining(e -> unboundedStrings(rulePath, join(path, e.getKey()), e.getValue(), problems, file));
        if (node.has("items")) {
            unboundedStrings(rulePath, path + "[]", node.get("items"), problems, file);
        }
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static long count(Matcher matcher) {
        long n = 0;
        while (matcher.find()) {
            n++;
        }
        return n;
    }
}
