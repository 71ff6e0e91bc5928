package io.xdpguard.agent.cluster;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * /q/health/live: the reconciler thread is alive (or the agent is not running: other commands). /q/health/ready:
 * the first sync has been applied, or has failed with a reason reported in the XdpNodeState.
 */
@ApplicationScoped
public class AgentHealthChecks {
    @Inject
    ClusterAgentService service;

    @Liveness
    HealthCheck live() {
        return () -> {
            ClusterAgent agent = service.agent();
            return HealthCheckResponse.named("xdpguard-reconciler").status(agent == null || agent.live()).build();
        };
    }

    @Readiness
    HealthCheck ready() {
        return () -> {
            ClusterAgent agent = service.agent();
            if (agent == null) {
                return HealthCheckResponse.named("xdpguard-first-sync").down().withData("reason", "NotStarted").build();
            }
            ClusterAgent.State state = agent.state();
            return HealthCheckResponse.named("xdpguard-first-sync").status(state.synced())
                    .withData("reason", state.reason()).withData("message", state.message()).build();
        };
    }
}
