package io.xdpguard.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The CRDs committed under crds/manifests are exactly what the build generates from the model. */
class CrdDriftTest {

    @Test
    void committedCrdsEqualGeneratedOnes() throws IOException {
        assertThat(names(CrdSchemas.GENERATED)).containsExactlyInAnyOrderElementsOf(CrdSchemas.crdFileNames());
        assertThat(names(CrdSchemas.COMMITTED))
                .as("crds/manifests must hold exactly the generated CRDs; run scripts/update-crds.sh")
                .containsExactlyInAnyOrderElementsOf(CrdSchemas.crdFileNames());
        for (String name : CrdSchemas.crdFileNames()) {
            assertThat(Files.readString(CrdSchemas.COMMITTED.resolve(name)))
                    .as("crds/manifests/%s differs from the generated CRD; run scripts/update-crds.sh and commit", name)
                    .isEqualTo(Files.readString(CrdSchemas.GENERATED.resolve(name)));
        }
    }

    private static Stream<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml")).toList().stream();
        }
    }
}
