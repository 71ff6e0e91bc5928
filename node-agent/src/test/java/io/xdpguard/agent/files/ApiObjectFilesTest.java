package io.xdpguard.agent.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user reads when a YAML file is wrong: where (line, or the field's path) and what, never Java class names. */
class ApiObjectFilesTest {
    @TempDir
    Path dir;

    @Test
    void aSyntaxErrorSaysItsLineAndColumn() throws Exception {
        String error = onlyError("""
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpFilter
                metadata:
                  name: broken
                 spec: {}
                """);
        assertThat(error).contains("not valid YAML at line 5, column 2");
    }

    @Test
    void anUnknownFieldIsNamedByItsPathWithTheKnownOnes() throws Exception {
        String error = onlyError(filter("rules: [{name: r, action: Drop, sources: [192.0.2.0/24], srcPorts: [\"53\"]}]"));
        assertThat(error).contains("XdpFilter \"f\": spec.rules[0].srcPorts: unknown field (known: ")
                .contains("sourcePorts").doesNotContain("io.xdpguard").doesNotContain("class");
    }

    @Test
    void aWrongEnumValueListsTheValidOnes() throws Exception {
        String error = onlyError(filter("rules: [{name: r, action: drop, sources: [192.0.2.0/24]}]"));
        assertThat(error).endsWith("XdpFilter \"f\": spec.rules[0].action: \"drop\" is not one of Pass, Drop, RateLimit")
                .doesNotContain("io.xdpguard");
    }

    @Test
    void aDirectoryIsReadAsKubectlReadsItJsonIncluded() throws Exception {
        Files.writeString(dir.resolve("a.json"), """
                {
                	"apiVersion": "xdpguard.io/v1alpha1", "kind": "XdpFilter", "metadata": {"name": "from-json"},
                	"spec": {"interfaces": {"include": ["eth0"]},
                	         "rules": [{"name": "r", "action": "Drop", "sources": ["192.0.2.0/24"]}]}
                }
                """);
        Files.writeString(dir.resolve("b.json"), "{\"apiVersion\": ");
        Files.writeString(dir.resolve("notes.txt"), "not an object");

        ApiObjects read = ApiObjectFiles.readDirectory(dir);
        assertThat(read.filters()).extracting(f -> f.getMetadata().getName()).containsExactly("from-json");
        assertThat(read.errors()).singleElement().asString().startsWith(dir.resolve("b.json") + ": not valid JSON at line 1");
    }

    private String onlyError(String yaml) throws Exception {
        Path file = dir.resolve("f.yaml");
        Files.writeString(file, yaml);
        List<String> errors = ApiObjectFiles.read(List.of(file)).errors();
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0)).startsWith(file + ": ");
        return errors.get(0);
    }

    private static String filter(String rules) {
        return """
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpFilter
                metadata: {name: f}
                spec:
                  interfaces: {include: [eth0]}
                  %s
                """.formatted(rules);
    }
}
