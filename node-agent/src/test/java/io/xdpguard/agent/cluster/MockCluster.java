package io.xdpguard.agent.cluster;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fabric8 mock API server in CRUD mode with the xdpguard CRDs installed, that counts writes to XdpNodeStates and
 * can be stopped and restarted on the same port with the same content (an API server outage). Public for the
 * end-to-end test with the kernel dataplane (which lives next to the kernel test fixtures).
 */
public final class MockCluster implements AutoCloseable {
    private final CountingDispatcher dispatcher = new CountingDispatcher();
    private KubernetesMockServer server;
    private int port;

    static final class CountingDispatcher extends KubernetesCrudDispatcher {
        final AtomicInteger nodeStateWrites = new AtomicInteger();
        /** Every request: user agent, method, path with query. */
        final List<List<String>> requests = new CopyOnWriteArrayList<>();

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            requests.add(List.of(String.valueOf(request.getHeader("User-Agent")), request.getMethod(), request.getPath()));
            return super.dispatch(request);
        }

        private void count(RecordedRequest request) {
            if (request.getPath().contains("/xdpnodestates")) {
                nodeStateWrites.incrementAndGet();
            }
        }

        @Override
        public MockResponse handleCreate(RecordedRequest request) {
            count(request);
            return super.handleCreate(request);
        }

        @Override
        public MockResponse handleUpdate(RecordedRequest request) {
            count(request);
            return super.handleUpdate(request);
        }

        @Override
        public MockResponse handlePatch(RecordedRequest request) {
            count(request);
            return super.handlePatch(request);
        }
    }

    public MockCluster start() throws IOException {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(InetAddress.getLoopbackAddress(), port);
        boolean first = port == 0;
        port = server.getPort();
        if (first) {
            try (KubernetesClient admin = client()) {
                for (String kind : new String[] {"xdpfilters", "xdpcidrsets", "xdpnodestates"}) {
                    try (InputStream in = Files.newInputStream(Path.of("../crds/manifests/" + kind + ".xdpguard.io-v1.yml"))) {
                        admin.resource(admin.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
                    }
                }
            }
        }
        return this;
    }

    /** Stops the server; its content survives in the dispatcher. */
    public void stop() {
        server.destroy();
    }

    public int nodeStateWrites() {
        return dispatcher.nodeStateWrites.get();
    }

    /** A client as the agent would have one; it keeps working across a restart (same port). */
    public KubernetesClient client() {
        return client(null);
    }

    /** A client whose requests carry {@code userAgent}, so {@link #requests} can tell them apart. */
    public KubernetesClient client(String userAgent) {
        ConfigBuilder config = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + port).withNamespace("default")
                .withRequestRetryBackoffLimit(1).withRequestRetryBackoffInterval(100).withWatchReconnectInterval(200)
                .withRequestTimeout(2000).withConnectionTimeout(1000);
        if (userAgent != null) {
            config.withUserAgent(userAgent);
        }
        return new KubernetesClientBuilder().withConfig(config.build()).build();
    }

    /** Method and path (with query) of every request a client with {@code userAgent} made, in order. */
    public List<List<String>> requests(String userAgent) {
        return dispatcher.requests.stream().filter(r -> r.get(0).equals(userAgent)).map(r -> r.subList(1, 3)).toList();
    }

    @Override
    public void close() {
        if (server != null) {
            server.destroy();
        }
    }
}
