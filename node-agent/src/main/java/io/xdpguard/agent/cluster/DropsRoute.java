package io.xdpguard.agent.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;

/**
 * {@code GET /drops?filter=&interface=&limit=}: the last sampled drops on this node, newest first. A plain Vert.x
 * route: one endpoint is not worth a JAX-RS stack (~300 classes of metaspace on every node).
 */
@ApplicationScoped
public class DropsRoute {
    static final int DEFAULT_LIMIT = 100;

    private final DropSampleStore store;
    private final ObjectMapper mapper;

    DropsRoute(DropSampleStore store, ObjectMapper mapper) {
        this.store = store;
        this.mapper = mapper;
    }

    void register(@Observes Router router) {
        router.get("/drops").handler(this::drops);
    }

    private void drops(RoutingContext context) {
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

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
