package io.xdpguard.e2e.apiserver;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Headers;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A stand-in for kube-apiserver on machines that have none: the fabric8 CRUD mock server behind a front dispatcher
 * that adds what the operator, the node agent and kubectl 1.32 need (discovery, patch semantics, server-side apply,
 * tables). A test harness, not a product: see docs/dev-api-server.md for what it does and does not model.
 */
public final class DevApiServer implements AutoCloseable {
    // A real cluster has these; kubectl's default context points at the first one.
    private static final List<String> NAMESPACES = List.of("default", "kube-system", "kube-public", "kube-node-lease");

    // The mock logs every request at INFO; the RequestLog already has them, and benchmarks send thousands.
    private static final Logger MOCK_LOGGER = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOGGER.setLevel(Level.WARNING);
    }

    private final KubernetesMockServer server;
    private final RequestLog requests;
    private final String url;
    private final Thread drain;

    private DevApiServer(KubernetesMockServer server, RequestLog requests, String url) {
        this.server = server;
        this.requests = requests;
        this.url = url;
        // MockWebServer keeps every request, body included, for takeRequest(); nothing here reads them (the
        // RequestLog keeps what matters), and a long benchmark would otherwise fill the heap.
        this.drain = new Thread(this::drainRecordedRequests, "dev-api-server-request-drain");
        drain.setDaemon(true);
        drain.start();
    }

    private void drainRecordedRequests() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                server.takeRequest(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts on {@code host:port} (port 0 picks a free one); the xdpguard CRDs are served when this returns. */
    public static DevApiServer start(String host, int port) {
        Backend backend = new Backend();
        RequestLog requests = new RequestLog();
        KubernetesMockServer server = new KubernetesMockServer(new Context(Serialization.jsonMapper()),
                new MockWebServer(), new HashMap<>(), new ApiDispatcher(backend, requests), false);
        try {
            server.init(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + host, e);
        }
        Headers headers = Headers.builder().build();
        for (var crd : CrdManifests.fromClasspath()) {
            backend.create(ResourceCatalog.CRD_COLLECTION, headers, Json.MAPPER.valueToTree(crd));
        }
        for (String namespace : NAMESPACES) {
            backend.create("/api/v1/namespaces", headers,
                    Json.MAPPER.valueToTree(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
                            .build()));
        }
        return new DevApiServer(server, requests, "http://" + host + ":" + server.getPort());
    }

    public String url() {
        return url;
    }

    public RequestLog requests() {
        return requests;
    }

    @Override
    public void close() {
        drain.interrupt();
        server.destroy();
    }

    /** {@code --host H --port P [--kubeconfig FILE]}; runs until SIGTERM or SIGINT. */
    public static void main(String[] args) throws InterruptedException {
        // Libraries may log to stdout; scripts wait for exactly one line there, so stdout is kept for it alone.
        PrintStream stdout = System.out;
        System.setOut(System.err);
        String host = "127.0.0.1";
        int port = 0;
        Path kubeconfig = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--host" -> host = required(args[i], value);
                case "--port" -> port = Integer.parseInt(required(args[i], value));
                case "--kubeconfig" -> kubeconfig = Path.of(required(args[i], value));
                default -> throw new IllegalArgumentException(
                        "unknown argument " + args[i] + "; usage: --host H --port P [--kubeconfig FILE]");
            }
            i++;
        }
        DevApiServer server = start(host, port);
        if (kubeconfig != null) {
            Kubeconfig.write(kubeconfig, server.url());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "dev-api-server-shutdown"));
        stdout.println("dev API server ready at " + server.url());
        stdout.flush();
        stopped.await();
    }

    private static String required(String flag, String value) {
        if (value == null) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return value;
    }
}
