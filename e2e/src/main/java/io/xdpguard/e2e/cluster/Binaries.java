package io.xdpguard.e2e.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The built operator and agent of this checkout (`./mvnw package` makes them), run as `java -jar`. */
public record Binaries(Path root) {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    /** The checkout around the working directory (or the system property {@code xdpguard.root}). */
    public static Binaries ofCheckout() {
        String configured = System.getProperty("xdpguard.root");
        Path dir = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.exists(d.resolve("mvnw")) && Files.isDirectory(d.resolve("node-agent"))) {
                return new Binaries(d).requireBuilt();
            }
        }
        throw new IllegalStateException("no xdpguard checkout around " + dir);
    }

    private Binaries requireBuilt() {
        for (Path jar : List.of(operatorJar(), agentJar())) {
            if (!Files.exists(jar)) {
                throw new IllegalStateException(jar + " is missing: build first (./mvnw package -DskipTests)");
            }
        }
        return this;
    }

    public Path operatorJar() {
        return root.resolve("operator/target/quarkus-app/quarkus-run.jar");
    }

    /**
     * The arguments of the chart's uninstall hook container {@code name} (helm/xdpguard/templates/uninstall), as
     * kubectl gets them there: their lines hold no template expressions.
     */
    public List<String> uninstallHookArgs(String name) {
        try {
            List<String> lines = Files.readAllLines(root.resolve("helm/xdpguard/templates/uninstall/delete-agent-daemonset.yaml"));
            int at = lines.indexOf("        - name: " + name);
            while (at >= 0 && !lines.get(at).strip().equals("args:")) {
                at++;
            }
            if (at < 0) {
                throw new IllegalStateException("no container " + name + " in the uninstall hook");
            }
            List<String> args = new ArrayList<>();
            for (int i = at + 1; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.startsWith("- ")) {
                    args.add(line.substring(2));
                } else if (!line.startsWith("#")) {
                    break;
                }
            }
            return args;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public Path agentJar() {
        return root.resolve("node-agent/target/quarkus-app/quarkus-run.jar");
    }

    public Path examples() {
        return root.resolve("examples");
    }

    /** A JVM sized like a small pod; the agent's one-shot commands get no HTTP port. */
    List<String> operatorCommand() {
        return List.of(JAVA, "-Xmx512m", "-XX:+UseSerialGC", "-jar", operatorJar().toString());
    }

    List<String> agentCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx256m", "-XX:+UseSerialGC"));
        // as bin/xdpguard-agent: only the long-running commands serve HTTP
        boolean serves = args.length > 0 && (args[0].equals("run")
                || args[0].equals("standalone") && !List.of(args).contains("--once"));
        if (!serves) {
            cmd.add("-Dquarkus.http.host-enabled=false");
        }
        cmd.add("-jar");
        cmd.add(agentJar().toString());
        cmd.addAll(List.of(args));
        return cmd;
    }
}
