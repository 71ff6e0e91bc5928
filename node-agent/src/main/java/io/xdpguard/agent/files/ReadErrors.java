package io.xdpguard.agent.files;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.Arrays;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Jackson's read errors as a user of the YAML reads them: the field's path in the object ({@code spec.rules[0].action})
 * and what is wrong with it, or the line and column of a syntax error; never Java class names.
 */
final class ReadErrors {
    private ReadErrors() {
    }

    /** A syntax error of a file in {@code format} (YAML, JSON). */
    static String syntax(JsonProcessingException e, String format) {
        JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return "not valid " + format + where + ": " + firstLine(e.getOriginalMessage());
    }

    /** A document that is valid YAML but does not fit the object's schema. */
    static String mapping(JsonMappingException e) {
        String path = path(e);
        if (e instanceof UnrecognizedPropertyException unknown) {
            String known = unknown.getKnownPropertyIds() == null ? "" : unknown.getKnownPropertyIds().stream()
                    .map(Object::toString).collect(Collectors.toCollection(TreeSet::new)).toString();
            return path + ": unknown field" + (known.isEmpty() ? "" : " (known: " + known.substring(1, known.length() - 1) + ")");
        }
        if (e instanceof InvalidFormatException format && format.getTargetType() != null
                && format.getTargetType().isEnum()) {
            return path + ": \"" + format.getValue() + "\" is not one of "
                    + Arrays.stream(format.getTargetType().getEnumConstants()).map(Object::toString)
                            .collect(Collectors.joining(", "));
        }
        if (e instanceof InvalidFormatException format) {
            return path + ": \"" + format.getValue() + "\" is not a " + simpleType(format.getTargetType());
        }
        return (path.isEmpty() ? "" : path + ": ") + firstLine(e.getOriginalMessage()).replaceAll(
                "`?(java\\.[\\w.]+|io\\.xdpguard\\.[\\w.$]+)`?", "value");
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String simpleType(Class<?> type) {
        if (type == null) {
            return "valid value";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive() && type != boolean.class) {
            return "number";
        }
        return type == Boolean.class || type == boolean.class ? "boolean (true or false)" : type.getSimpleName();
    }

    private static String firstLine(String message) {
        return message == null ? "unknown error" : message.lines().findFirst().orElse(message);
    }
}
