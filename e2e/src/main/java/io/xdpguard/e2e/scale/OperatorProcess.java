package io.xdpguard.e2e.scale;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real operator ({@code operator/target/quarkus-app/quarkus-run.jar}, prod profile, unchanged) as a separate JVM,
 * configured by environment as the Helm chart would, against the given API server. Its output goes to a log file.
 */
final class OperatorProcess implements AutoCloseable {
    static final String NAMESPACE = "xdpguard-system";

    private final Process process;
    private final int httpPort;
    private final Path log;

    private OperatorProcess(Process process, int httpPort, Path log) {
        this.process = process;
        this.httpPort = httpPort;
        this.log = log;
    }

    /** Starts the operator and waits until its readiness check (informers synced) is up. */
    static OperatorProcess start(Path jar, String apiServerUrl, Path log, Duration timeout) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: build it first (./mvnw -B -ntp -o package -DskipTests -pl operator,e2e -am)");
        }
        int port = freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx512m", "-jar", jar.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        // The fabric8 client's own variables: Quarkus fixes quarkus.kubernetes-client.api-server-url at build time.
        env.put("KUBERNETES_MASTER", apiServerUrl);
        env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
        env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        env.put("POD_NAMESPACE", NAMESPACE);
        env.put("POD_NAME", "xdpguard-operator-bench");
        env.put("QUARKUS_HTTP_PORT", String.valueOf(port));
        Process process;
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        OperatorProcess operator = new OperatorProcess(process, port, log);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!operator.ready()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the operator exited with " + process.exitValue() + "; see " + log);
            }
            if (System.nanoTime() > deadline) {
                operator.close();
                throw new IllegalStateException("the operator was not ready within " + timeout + "; see " + log);
            }
            sleep(200);
        }
        return operator;
    }

    private boolean ready() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready").toURL()
                    .openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
