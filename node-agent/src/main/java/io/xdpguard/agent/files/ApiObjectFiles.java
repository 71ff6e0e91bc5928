package io.xdpguard.agent.files;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.xdpguard.api.v1alpha1.Api;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.validation.ValidationResult;
import io.xdpguard.api.validation.XdpFilterValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads XdpFilter and XdpCidrSet YAML files (the same API objects as in a cluster, several documents per file
 * allowed) and validates each with the shared validator. An invalid document is reported and left out; the others
 * are returned. An XdpFilter name defined a second time is an error ({@link FilterNames}): the first one is kept.
 */
public final class ApiObjectFiles {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** JSON is not quite a subset of the YAML 1.1 SnakeYAML reads (tabs): its own parser. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiObjectFiles() {
    }

    /** Every *.yaml, *.yml and *.json file directly in {@code directory} (as {@code kubectl apply -f DIR}), in name order. */
    public static ApiObjects readDirectory(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return read(files.filter(ApiObjectFiles::isApiObjectFile).sorted().toList());
        }
    }

    public static ApiObjects read(List<Path> files) {
        List<XdpFilter> filters = new ArrayList<>();
        Map<String, XdpCidrSet> sets = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        FilterNames names = new FilterNames();
        for (Path file : files) {
            List<JsonNode> documents;
            boolean json = file.getFileName().toString().endsWith(".json");
            try (MappingIterator<JsonNode> docs = (json ? JSON : YAML).readerFor(JsonNode.class)
                    .readValues(Files.readString(file))) {
                documents = docs.readAll();
            } catch (NoSuchFileException e) {
                errors.add(file + ": no such file");
                continue;
            } catch (JsonProcessingException e) {
                errors.add(file + ": " + ReadErrors.syntax(e, json ? "JSON" : "YAML"));
                continue;
            } catch (IOException e) {
                errors.add(file + ": cannot read: " + firstLine(e.getMessage()));
                continue;
            }
            for (int i = 0; i < documents.size(); i++) {
                JsonNode doc = documents.get(i);
                if (doc == null || doc.isNull() || doc.isEmpty()) {
                    continue;
                }
                String where = documents.size() > 1 ? file + " (document " + (i + 1) + ")" : file.toString();
                readDocument(where, doc, names, filters, sets, errors);
            }
        }
        return new ApiObjects(filters, sets, errors);
    }

    private static void readDocument(String where, JsonNode doc, FilterNames names, List<XdpFilter> filters,
            Map<String, XdpCidrSet> sets, List<String> errors) {
        if (!Api.API_VERSION.equals(doc.path("apiVersion").asText())) {
            errors.add(where + ": apiVersion must be " + Api.API_VERSION + ", not \"" + doc.path("apiVersion").asText() + "\"");
            return;
        }
        String kind = doc.path("kind").asText();
        try {
            switch (kind) {
                case "XdpFilter" -> {
                    XdpFilter filter = YAML.treeToValue(doc, XdpFilter.class);
                    ValidationResult result = XdpFilterValidator.validate(filter);
                    String duplicate = result.valid() ? names.duplicate(filter, where) : null;
                    if (duplicate != null) {
                        errors.add(duplicate);
                    } else if (result.valid()) {
                        filters.add(filter);
                    } else {
                        result.violations().forEach(v -> errors.add(where + ": XdpFilter " + name(doc) + ": " + v));
                    }
                }
                case "XdpCidrSet" -> {
                    XdpCidrSet set = YAML.treeToValue(doc, XdpCidrSet.class);
                    ValidationResult result = XdpFilterValidator.validate(set);
                    if (result.valid()) {
                        sets.put(set.getMetadata().getName(), set);
                    } else {
                        result.violations().forEach(v -> errors.add(where + ": XdpCidrSet " + name(doc) + ": " + v));
                    }
                }
                default -> errors.add(where + ": kind must be XdpFilter or XdpCidrSet, not \"" + kind + "\"");
            }
        } catch (JsonMappingException e) {
            errors.add(where + ": " + kind + " " + name(doc) + ": " + ReadErrors.mapping(e));
        } catch (IOException e) {
            errors.add(where + ": " + kind + " " + name(doc) + ": " + firstLine(e.getMessage()));
        }
    }

    private static String name(JsonNode doc) {
        return "\"" + doc.path("metadata").path("name").asText("?") + "\"";
    }

    /** A regular file named *.yaml, *.yml or *.json: what a directory of API objects holds. */
    public static boolean isApiObjectFile(Path file) {
        String name = file.getFileName().toString();
        return Files.isRegularFile(file) && (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"));
    }

    private static String firstLine(String message) {
        return message == null ? "unknown error" : message.lines().findFirst().orElse(message);
    }
}
