package io.xdpguard.e2e.cluster;

import java.nio.file.Path;
import java.util.Map;

/**
 * The real operator ({@code operator/target/quarkus-app/quarkus-run.jar}, prod profile, leader election on, unchanged)
 * as a process of its own, configured by environment as the Helm chart's Deployment configures it, against the given
 * API server. Its output goes to a log file.
 */
public final class OperatorProcess implements AutoCloseable {
    public static final String NAMESPACE = "xdpguard-system";

    private final ManagedProcess process;

    private OperatorProcess(ManagedProcess process) {
        this.process = process;
    }

    /** Starts the operator and waits until it is ready (its informers have synced). */
    public static OperatorProcess start(Binaries binaries, String apiServerUrl, int httpPort, Path log) {
        Map<String, String> env = Map.of(
                // The fabric8 client's own variables: Quarkus fixes quarkus.kubernetes-client.api-server-url at build time.
                "KUBERNETES_MASTER", apiServerUrl,
                "KUBERNETES_AUTH_TRYKUBECONFIG", "false",
                "KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false",
                "POD_NAMESPACE", NAMESPACE,
                "POD_NAME", "xdpguard-operator-0",
                "QUARKUS_HTTP_PORT", String.valueOf(httpPort));
        ManagedProcess process = ManagedProcess.start("operator", binaries.operatorCommand(), env, log);
        try {
            new HttpEndpoint("127.0.0.1", httpPort).awaitReady(process);
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
        return new OperatorProcess(process);
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return process.log();
    }

    /** SIGTERM, as when the Deployment is scaled down. */
    @Override
    public void close() {
        process.close();
    }
}
