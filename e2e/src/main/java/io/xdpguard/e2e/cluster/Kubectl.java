package io.xdpguard.e2e.cluster;

import io.xdpguard.agent.dataplane.testing.Commands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The machine's real kubectl, pointed at the dev API server by a kubeconfig of its own. */
public final class Kubectl {
    /** -Dxdpguard.kubectl, else the first kubectl on PATH (upstream installs to /usr/local/bin), else /usr/bin/kubectl. */
    public static final String BINARY = locate();
    private static final int TIMEOUT_SECONDS = 60;

    /** kubectl's exit code and its output (stdout and stderr). */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private final Path kubeconfig;

    private Kubectl(Path kubeconfig) {
        this.kubeconfig = kubeconfig;
    }

    private static String locate() {
        String configured = System.getProperty("xdpguard.kubectl");
        if (configured != null) {
            return configured;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "kubectl");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return "/usr/bin/kubectl";
    }

    /** Writes a kubeconfig for {@code serverUrl} to {@code file}. */
    static Kubectl forServer(String serverUrl, Path file) {
        String config = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: xdpguard-dev
                  cluster:
                    server: %s
                users:
                - name: admin
                  user: {}
                contexts:
                - name: xdpguard-dev
                  context: {cluster: xdpguard-dev, user: admin}
                current-context: xdpguard-dev
                """.formatted(serverUrl);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Kubectl(file);
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    /** Runs {@code kubectl ARGS}; never throws on a non-zero exit. */
    public Result run(String... args) {
        List<String> cmd = new ArrayList<>(List.of(BINARY, "--kubeconfig", kubeconfig.toString()));
        cmd.addAll(List.of(args));
        String out = Commands.tryRun(cmd, TIMEOUT_SECONDS);
        if (!out.startsWith("!")) {
            return new Result(0, out);
        }
        int exit = out.startsWith("!exit ") ? Integer.parseInt(out.substring(6, out.indexOf(':'))) : -1;
        return new Result(exit, out.substring(out.indexOf(':') + 1).stripLeading());
    }

    /** Runs {@code kubectl ARGS} and returns its output; throws with the output when it fails. */
    public String ok(String... args) {
        Result result = run(args);
        if (!result.ok()) {
            throw new IllegalStateException("kubectl " + String.join(" ", args) + " failed (" + result.exitCode()
                    + "): " + result.output());
        }
        return result.output();
    }
}
