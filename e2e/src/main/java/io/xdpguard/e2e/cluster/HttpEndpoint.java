package io.xdpguard.e2e.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP endpoints of an agent or the operator (Quarkus health and metrics; an agent also serves drop samples), as
 * Prometheus and the kubelet reach them: from the network. An agent's drop samples are read on its node, as
 * {@code kubectl port-forward} reaches them (the agent answers other hosts 403).
 */
public final class HttpEndpoint {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String base;
    private final String nodeNamespace;
    private final int port;

    public HttpEndpoint(String address, int port) {
        this(address, port, null);
    }

    private HttpEndpoint(String address, int port, String nodeNamespace) {
        this.base = "http://" + address + ":" + port;
        this.port = port;
        this.nodeNamespace = nodeNamespace;
    }

    /** The agent of simulated node {@code i} (1-based), listening on the node's addresses (hostNetwork). */
    public static HttpEndpoint agent(int i, int port) {
        return new HttpEndpoint(SimulatedNetwork.nodeAddress(i), port, SimulatedNetwork.nodeNamespace(i));
    }

    /** The Prometheus exposition text of /q/metrics. */
    public String metrics() {
        return get("/q/metrics").body();
    }

    /** The recent drop samples, as JSON: read from the node's loopback (curl in its network namespace). */
    public String drops() {
        if (nodeNamespace == null) {
            throw new IllegalStateException(base + " is not an agent's endpoint");
        }
        return Host.runIn(nodeNamespace, "curl", "-sS", "--fail-with-body", "http://127.0.0.1:" + port + "/drops");
    }

    /** The HTTP status and body of GET {@code path} from the network. */
    public HttpResponse<String> fromNetwork(String path) {
        try {
            return send(path);
        } catch (IOException e) {
            throw new IllegalStateException("GET " + base + path + ": " + e, e);
        }
    }

    /**
     * The sum of a counter over the series whose labels contain every given {@code label="value"} pair,
     * e.g. {@code counter("xdpguard_rule_packets_total", "filter=\"f\"", "verdict=\"drop\"")}.
     */
    public double counter(String name, String... labels) {
        double sum = 0;
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE)
                .matcher(metrics());
        while (m.find()) {
            String series = m.group(1);
            boolean all = true;
            for (String label : labels) {
                all &= series.contains(label);
            }
            if (all) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    void awaitReady(ManagedProcess process) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(process + " exited before it was ready");
            }
            try {
                if (send("/q/health/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            sleep(200);
        }
        throw new IllegalStateException(process + " not ready within " + READY_TIMEOUT);
    }

    private HttpResponse<String> get(String path) {
        try {
            HttpResponse<String> response = send(path);
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + base + path + ": HTTP " + response.statusCode());
            }
            return response;
        } catch (IOException e) {
            throw new IllegalStateException("GET " + base + path + ": " + e, e);
        }
    }

    private HttpResponse<String> send(String path) throws IOException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
