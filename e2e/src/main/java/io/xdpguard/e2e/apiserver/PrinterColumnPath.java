package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The JSONPath subset CRD printer columns use: {@code .field}, {@code [index]}, {@code [*]} and an equality filter
 * {@code [?(@.field=="value")]}, e.g. {@code .status.conditions[?(@.type=="Ready")].status}.
 */
final class PrinterColumnPath {
    private static final Pattern STEP = Pattern.compile(
            "\\.([^.\\[]+)|\\[(\\d+|\\*)]|\\[\\?\\(@\\.([^=!]+)==(?:\"([^\"]*)\"|'([^']*)')\\)]");

    private final List<UnaryOperator<List<JsonNode>>> steps;

    private PrinterColumnPath(List<UnaryOperator<List<JsonNode>>> steps) {
        this.steps = steps;
    }

    static PrinterColumnPath compile(String expression) {
        List<UnaryOperator<List<JsonNode>>> steps = new ArrayList<>();
        Matcher matcher = STEP.matcher(expression.trim());
        int end = 0;
        while (matcher.find() && matcher.start() == end) {
            steps.add(step(matcher));
            end = matcher.end();
        }
        if (end != expression.trim().length()) {
            throw new IllegalArgumentException("unsupported printer column JSONPath: " + expression);
        }
        return new PrinterColumnPath(steps);
    }

    private static UnaryOperator<List<JsonNode>> step(Matcher m) {
        if (m.group(1) != null) {
            String field = m.group(1);
            return nodes -> nodes.stream().map(n -> n.get(field)).filter(n -> n != null && !n.isNull()).toList();
        }
        if (m.group(2) != null) {
            String index = m.group(2);
            return nodes -> nodes.stream().filter(JsonNode::isArray)
                    .flatMap(n -> index.equals("*") ? elements(n).stream() : optional(n.get(Integer.parseInt(index))))
                    .toList();
        }
        String field = m.group(3);
        String value = m.group(4) != null ? m.group(4) : m.group(5);
        return nodes -> nodes.stream().filter(JsonNode::isArray).flatMap(n -> elements(n).stream())
                .filter(e -> e.path(field).isValueNode() && e.path(field).asText().equals(value)).toList();
    }

    /** The first match, or null when nothing matches (the table shows {@code <none>}). */
    JsonNode first(JsonNode object) {
        List<JsonNode> nodes = List.of(object);
        for (UnaryOperator<List<JsonNode>> step : steps) {
            nodes = step.apply(nodes);
        }
        return nodes.isEmpty() ? null : nodes.get(0);
    }

    private static List<JsonNode> elements(JsonNode array) {
        List<JsonNode> elements = new ArrayList<>();
        array.forEach(elements::add);
        return elements;
    }

    private static Stream<JsonNode> optional(JsonNode node) {
        return node == null ? Stream.empty() : Stream.of(node);
    }
}
