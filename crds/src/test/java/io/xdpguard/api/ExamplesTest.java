package io.xdpguard.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.validation.ValidationResult;
import io.xdpguard.api.validation.XdpFilterValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every example a user may copy is valid for the API server's schema and for the shared validator. */
class ExamplesTest {
    private static final Path EXAMPLES = Path.of("../examples");

    /** Every example, the cluster demo's included, except the ones that show a rejection. */
    static Stream<Path> exampleFiles() throws IOException {
        return yamlFiles().filter(p -> !p.toString().endsWith("-invalid.yaml"));
    }

    /** Examples of an update the API server stores (the schema admits it) but the operator rejects. */
    static Stream<Path> invalidExampleFiles() throws IOException {
        return yamlFiles().filter(p -> p.toString().endsWith("-invalid.yaml"));
    }

    private static Stream<Path> yamlFiles() throws IOException {
        try (Stream<Path> files = Files.walk(EXAMPLES)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    static List<JsonNode> documents(Path file) throws IOException {
        try (MappingIterator<JsonNode> docs = CrdSchemas.YAML.readerFor(JsonNode.class).readValues(Files.readString(file))) {
            return docs.readAll().stream().filter(d -> d != null && !d.isNull() && !d.isEmpty()).toList();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exampleFiles")
    void exampleIsValidForSchemaAndValidator(Path file) throws IOException {
        List<JsonNode> docs = documents(file);
        assertThat(docs).as("documents in %s", file).isNotEmpty();
        for (JsonNode doc : docs) {
            assertThat(doc.path("apiVersion").asText()).isEqualTo("xdpguard.io/v1alpha1");
            assertThat(CrdSchemas.validate(doc)).as("schema violations in %s", file).isEmpty();
            assertThat(validate(doc).violations()).as("validator violations in %s", file).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidExampleFiles")
    void invalidExamplePassesTheSchemaButNotTheValidator(Path file) throws IOException {
        for (JsonNode doc : documents(file)) {
            assertThat(CrdSchemas.validate(doc)).as("schema violations in %s", file).isEmpty();
            assertThat(validate(doc).violations()).as("validator violations in %s", file).isNotEmpty();
        }
    }

    @Test
    void theExamplesTheDocsPromiseExist() throws IOException {
        List<String> kinds = exampleFiles().flatMap(f -> {
            try {
                return documents(f).stream().map(d -> d.path("kind").asText());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        assertThat(exampleFiles().map(p -> p.getFileName().toString())).contains(
                "block-cidrs.yaml", "allowlist-ssh-https.yaml", "ratelimit-dns.yaml", "audit-mode.yaml", "cidrset-blocklist.yaml");
        assertThat(kinds).contains("XdpFilter", "XdpCidrSet");
    }

    @Test
    void schemaRejectsWhatTheApiServerWould() throws IOException {
        JsonNode bad = CrdSchemas.YAML.readTree("""
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpFilter
                metadata: {name: bad}
                spec:
                  interfaces: {include: []}
                  priority: 2000
                  mode: Turbo
                  colour: blue
                  rules:
                    - name: Upper
                      action: Explode
                """);

        assertThat(CrdSchemas.validate(bad)).hasSize(6).anySatisfy(m -> assertThat(m).contains("priority"))
                .anySatisfy(m -> assertThat(m).contains("mode"))
                .anySatisfy(m -> assertThat(m).contains("colour"))
                .anySatisfy(m -> assertThat(m).contains("include"))
                .anySatisfy(m -> assertThat(m).contains("name"))
                .anySatisfy(m -> assertThat(m).contains("action"));
    }

    private static ValidationResult validate(JsonNode doc) {
        String yaml = doc.toString();
        return switch (doc.path("kind").asText()) {
            case "XdpFilter" -> XdpFilterValidator.validate(Serialization.unmarshal(yaml, XdpFilter.class));
            case "XdpCidrSet" -> XdpFilterValidator.validate(Serialization.unmarshal(yaml, XdpCidrSet.class));
            default -> throw new AssertionError("unexpected kind " + doc.path("kind"));
        };
    }
}
