package io.xdpguard.agent.cluster;

import io.xdpguard.agent.standalone.StandaloneReadiness;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * /q/health/live: the reconciler thread is alive (or the agent is not running: other commands). /q/health/ready:
 * the first sync has been applied, or has failed with a reason reported in the XdpNodeState; for the standalone
 * agent, its first pass over the files has been made.
 */
@ApplicationScoped
public class AgentHealthChecks {
    @Inject
    ClusterAgentService service;
    @Inject
    StandaloneReadiness standalone;

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
            if (standalone.running()) {
                return HealthCheckResponse.named("xdpguard-first-sync").status(standalone.passedOnce())
                        .withData("reason", standalone.passedOnce() ? "Applied" : "FirstPass").build();
            }
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
