package io.xdpguard.agent.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * {@code GET /drops?filter=&interface=&limit=}: the last sampled drops on this node, newest first. A plain Vert.x
 * route: one endpoint is not worth a JAX-RS stack (~300 classes of metaspace on every node).
 *
 * <p>Served to loopback clients only unless {@code xdpguard.agent.samples.remote-access}: the agent listens on the
 * node's addresses (hostNetwork) without authentication, and a sample names the source address of a dropped packet.
 * Metrics stay open to the node's network, as Prometheus scrapes them there; they carry no addresses.
 */
@ApplicationScoped
public class DropsRoute {
    static final int DEFAULT_LIMIT = 100;

    static final String LOCAL_ONLY = "drop samples are served to local clients only: reach the agent through "
            + "kubectl port-forward (or kubectl exec), or set xdpguard.agent.samples.remote-access=true "
            + "(Helm: agent.sampling.remoteAccess)\n";

    private final DropSampleStore store;
    private final ObjectMapper mapper;
    private final boolean remoteAccess;

    DropsRoute(DropSampleStore store, ObjectMapper mapper, AgentConfig config) {
        this.store = store;
        this.mapper = mapper;
        this.remoteAccess = config.samples().remoteAccess();
    }

    void register(@Observes Router router) {
        router.get("/drops").handler(this::drops);
    }

    private void drops(RoutingContext context) {
        if (!remoteAccess && !isLoopback(context.request().remoteAddress())) {
            context.response().setStatusCode(403).end(LOCAL_ONLY);
            return;
        }
        String limitText = context.request().getParam("limit");
        int limit;
        try {
            limit = limitText == null || limitText.isBlank() ? DEFAULT_LIMIT : Integer.parseInt(limitText.strip());
        } catch (NumberFormatException e) {
            context.response().setStatusCode(400).end("limit: not a number: " + limitText + "\n");
            return;
        }
        DropSamples samples = store.current();
        List<DropSamples.View> views = samples == null ? List.of()
                : samples.query(blankToNull(context.request().getParam("filter")),
                        blankToNull(context.request().getParam("interface")),
                        Math.max(0, Math.min(limit, samples.capacity())));
        try {
            context.response().putHeader("Content-Type", "application/json").end(mapper.writeValueAsString(views));
        } catch (JsonProcessingException e) {
            context.fail(e);
        }
    }

    /** The peer of the connection (not a forwarded-for header: Quarkus' proxy forwarding is off) is this host. */
    static boolean isLoopback(SocketAddress peer) {
        String address = peer == null ? null : peer.hostAddress();
        // getByName(null or "") would answer the loopback address itself.
        if (address == null || address.isEmpty()) {
            return false;
        }
        try {
            // A literal address: no name lookup. An IPv4-mapped ::ffff:127.0.0.1 becomes 127.0.0.1.
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
