package io.xdpguard.e2e.apiserver;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The CRDs the crds module generated ({@code META-INF/fabric8/*-v1.yml} on the classpath), so the server always
 * serves the same schema, printer columns and subresources as the build that produced the operator.
 */
final class CrdManifests {
    private static final String DIRECTORY = "META-INF/fabric8";

    private CrdManifests() {
    }

    static List<CustomResourceDefinition> fromClasspath() {
        List<CustomResourceDefinition> crds = new ArrayList<>();
        try {
            for (URL url : Collections.list(CrdManifests.class.getClassLoader().getResources(DIRECTORY))) {
                for (Path file : v1Manifests(url.toURI())) {
                    try (InputStream in = Files.newInputStream(file)) {
                        crds.add(Serialization.unmarshal(in, CustomResourceDefinition.class));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (crds.isEmpty()) {
            throw new IllegalStateException(
                    "no " + DIRECTORY + "/*-v1.yml on the classpath: is xdpguard-crds missing?");
        }
        return crds;
    }

    // The directory is a plain folder when run from the reactor (target/classes) and a jar entry otherwise.
    private static List<Path> v1Manifests(URI directory) throws IOException {
        Path root = directory.getScheme().equals("jar") ? jarFileSystem(directory).provider().getPath(directory)
                : Path.of(directory);
        try (Stream<Path> files = Files.list(root)) {
            return files.filter(f -> f.getFileName().toString().endsWith("-v1.yml")).sorted().toList();
        }
    }

    private static FileSystem jarFileSystem(URI uri) throws IOException {
        try {
            return FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
            return FileSystems.getFileSystem(uri);
        }
    }
}
