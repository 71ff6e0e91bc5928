package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;

/**
 * The meta.k8s.io/v1 Table kubectl asks for on {@code get}: a Name column, then the CRD's
 * {@code additionalPrinterColumns}, or Age for kinds without them. Like kube-apiserver, date columns are rendered
 * as an age ("5m") on the server; each row carries the whole object, which kubectl needs for --show-labels.
 */
final class TableRenderer {
    private static final JsonNode DEFAULT_COLUMNS = Json.parse("""
            [{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp","priority":0}]""");

    private TableRenderer() {
    }

    static JsonNode render(JsonNode listOrObject, JsonNode printerColumns, Instant now) {
        JsonNode columns = printerColumns == null || printerColumns.isEmpty() ? DEFAULT_COLUMNS : printerColumns;
        ObjectNode table = Json.object().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        table.putObject("metadata").put("resourceVersion",
                listOrObject.path("metadata").path("resourceVersion").asText(""));
        ArrayNode definitions = table.putArray("columnDefinitions");
        definitions.addObject().put("name", "Name").put("type", "string").put("format", "name")
                .put("description", "Name must be unique within a namespace.").put("priority", 0);
        for (JsonNode column : columns) {
            definitions.addObject().put("name", column.path("name").asText())
                    .put("type", column.path("type").asText("string")).put("format", column.path("format").asText(""))
                    .put("description", column.path("description").asText(""))
                    .put("priority", column.path("priority").asInt(0));
        }
        ArrayNode rows = table.putArray("rows");
        for (Iterator<JsonNode> it = Json.items(listOrObject); it.hasNext(); ) {
            JsonNode object = it.next();
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            cells.add(object.path("metadata").path("name").asText());
            for (JsonNode column : columns) {
                JsonNode value = PrinterColumnPath.compile(column.path("jsonPath").asText()).first(object);
                cells.add(column.path("type").asText().equals("date") && value != null
                        ? Json.MAPPER.getNodeFactory().textNode(age(value.asText(), now)) : value);
            }
            row.set("object", object);
        }
        return table;
    }

    private static String age(String timestamp, Instant now) {
        try {
            return humanDuration(Duration.between(Instant.parse(timestamp), now));
        } catch (DateTimeParseException e) {
            return timestamp;
        }
    }

    /** k8s.io/apimachinery's duration.HumanDuration, the format of every AGE column. */
    static String humanDuration(Duration d) {
        long seconds = Math.max(0, d.getSeconds());
        long minutes = seconds / 60;
        long hours = minutes / 60;
        long days = hours / 24;
        if (seconds < 120) {
            return seconds + "s";
        } else if (minutes < 10) {
            return seconds % 60 == 0 ? minutes + "m" : minutes + "m" + seconds % 60 + "s";
        } else if (minutes < 180) {
            return minutes + "m";
        } else if (hours < 8) {
            return minutes % 60 == 0 ? hours + "h" : hours + "h" + minutes % 60 + "m";
        } else if (hours < 48) {
            return hours + "h";
        } else if (hours < 24 * 8) {
            return hours % 24 == 0 ? days + "d" : days + "d" + hours % 24 + "h";
        } else if (hours < 24 * 365 * 2) {
            return days + "d";
        } else if (hours < 24 * 365 * 8) {
            return days % 365 == 0 ? days / 365 + "y" : days / 365 + "y" + days % 365 + "d";
        }
        return days / 365 + "y";
    }
}
