package io.xdpguard.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The openAPIV3Schema of the generated CRDs as a JSON-schema validator, standing in for the API server (the mock
 * server enforces no schema). Unknown fields are rejected, as {@code kubectl apply} does with strict field validation.
 */
final class CrdSchemas {
    static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
    static final Path COMMITTED = Path.of("manifests");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static final Map<String, String> CRD_FILES = Map.of(
            "XdpFilter", "xdpfilters.xdpguard.io-v1.yml",
            "XdpCidrSet", "xdpcidrsets.xdpguard.io-v1.yml",
            "XdpNodeState", "xdpnodestates.xdpguard.io-v1.yml");

    private CrdSchemas() {
    }

    static Set<String> crdFileNames() {
        return Set.copyOf(CRD_FILES.values());
    }

    /** Violations of a resource's spec against the generated schema of its kind, as readable strings. */
    static List<String> validate(JsonNode resource) {
        String kind = resource.path("kind").asText();
        String file = CRD_FILES.get(kind);
        if (file == null) {
            return List.of("unknown kind \"" + kind + "\"");
        }
        JsonNode specSchema = read(GENERATED.resolve(file))
                .at("/spec/versions/0/schema/openAPIV3Schema/properties/spec").deepCopy();
        closeObjects(specSchema);
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(specSchema);
        Set<ValidationMessage> messages = schema.validate(resource.path("spec"));
        return messages.stream().map(ValidationMessage::getMessage).sorted().collect(Collectors.toList());
    }

    static JsonNode read(Path path) {
        try {
            return YAML.readTree(Files.readString(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** additionalProperties: false on every object schema that declares its properties. */
    private static void closeObjects(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.has("properties") && !object.has("additionalProperties")
                    && !object.has("x-kubernetes-preserve-unknown-fields")) {
                object.put("additionalProperties", false);
            }
            for (Iterator<JsonNode> it = object.elements(); it.hasNext(); ) {
                closeObjects(it.next());
            }
        } else if (node != null && node.isArray()) {
            node.forEach(CrdSchemas::closeObjects);
        }
    }
}
