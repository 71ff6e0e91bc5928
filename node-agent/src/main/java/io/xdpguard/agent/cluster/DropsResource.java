package io.xdpguard.agent.cluster;

import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code GET /drops?filter=&interface=&limit=}: the last sampled drops on this node, newest first. */
@Path("/drops")
public class DropsResource {
    @Inject
    ClusterAgentService service;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<DropSamples.View> drops(@QueryParam("filter") String filter, @QueryParam("interface") String interfaceName,
            @QueryParam("limit") @DefaultValue("100") int limit) {
        DropSamples samples = service.samples();
        if (samples == null) {
            return List.of();
        }
        return samples.query(blankToNull(filter), blankToNull(interfaceName), Math.max(0, Math.min(limit, samples.capacity())));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
