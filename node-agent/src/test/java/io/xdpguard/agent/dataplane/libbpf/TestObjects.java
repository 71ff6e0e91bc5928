package io.xdpguard.agent.dataplane.libbpf;

import io.xdpguard.agent.dataplane.testing.Commands;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPF objects the tests load: {@code xdp_pass}/{@code xdp_drop} from the classpath
 * ({@code /io/xdpguard/bpf/*.bpf.o}, put there by the bpf module) or compiled from
 * {@code bpf/src}; test-only objects compiled from {@code node-agent/src/test/bpf}. Compiled
 * once per JVM into a temporary directory with clang.
 */
final class TestObjects {

    private static final Map<String, Path> CACHE = new ConcurrentHashMap<>();
    private static volatile Path tempDir;

    private TestObjects() {
    }

    /** xdp_drop.bpf.o: program {@code xdp_drop}. */
    static Path xdpDrop() {
        return product("xdp_drop");
    }

    /** xdp_pass.bpf.o: program {@code xdp_pass}. */
    static Path xdpPass() {
        return product("xdp_pass");
    }

    /** maps_test.bpf.o: maps test_array, test_percpu, test_hash, test_lpm; program xdp_verdict. */
    static Path mapsTest() {
        return testObject("maps_test");
    }

    /** verifier_reject.bpf.o: program xdp_unchecked, which the verifier refuses. */
    static Path verifierReject() {
        return testObject("verifier_reject");
    }

    private static Path product(String name) {
        return CACHE.computeIfAbsent(name, n -> {
            String resource = "/io/xdpguard/bpf/" + n + ".bpf.o";
            try (InputStream in = TestObjects.class.getResourceAsStream(resource)) {
                if (in != null) {
                    Path out = dir().resolve(n + ".bpf.o");
                    Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                    return out;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path root = repoRoot();
            return compile(root.resolve("bpf/src/" + n + ".bpf.c"), List.of(root.resolve("bpf/include")));
        });
    }

    private static Path testObject(String name) {
        return CACHE.computeIfAbsent(name,
                n -> compile(repoRoot().resolve("node-agent/src/test/bpf/" + n + ".bpf.c"), List.of()));
    }

    /** The checkout root: {@code -Dxdpguard.repo.root}, else found upwards from the working dir. */
    static Path repoRoot() {
        String prop = System.getProperty("xdpguard.repo.root");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("bpf/src")) && Files.isDirectory(p.resolve("node-agent/src/test/bpf"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the xdpguard checkout from " + Path.of("").toAbsolutePath()
                + "; set -Dxdpguard.repo.root");
    }

    private static Path compile(Path source, List<Path> includes) {
        if (!Files.isRegularFile(source)) {
            throw new IllegalStateException("missing BPF source " + source);
        }
        String clang = System.getenv().getOrDefault("CLANG", "clang");
        if (!onPath(clang)) {
            RequiresBpf.skipOrFail("clang is needed to compile " + source.getFileName()
                    + " (apt-get install clang llvm libbpf-dev)");
        }
        String fileName = source.getFileName().toString().replace(".bpf.c", ".bpf.o");
        Path out = dir().resolve(fileName);
        String arch = System.getProperty("os.arch").equals("aarch64") ? "aarch64" : "x86_64";
        List<String> cmd = new java.util.ArrayList<>(List.of(clang, "-O2", "-g", "-target", "bpf", "-Wall",
                "-I/usr/include/" + arch + "-linux-gnu"));
        for (Path inc : includes) {
            cmd.add("-I" + inc);
        }
        cmd.addAll(List.of("-c", source.toString(), "-o", out.toString()));
        Commands.run(cmd, 120);
        return out;
    }

    private static boolean onPath(String exe) {
        if (exe.contains("/")) {
            return Files.isExecutable(Path.of(exe));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, exe))) {
                return true;
            }
        }
        return false;
    }

    private static Path dir() {
        Path d = tempDir;
        if (d == null) {
            synchronized (TestObjects.class) {
                if (tempDir == null) {
                    try {
                        Path created = Files.createTempDirectory("xdpguard-libbpf-test");
                        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(created)));
                        tempDir = created;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                d = tempDir;
            }
        }
        return d;
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at JVM exit
        }
    }
}
