package io.xdpguard.agent.cli;

import io.quarkus.runtime.Quarkus;
import io.xdpguard.agent.cluster.ClusterAgentService;
import jakarta.inject.Inject;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * Cluster mode: enforce the cluster's XdpFilters on this node and report in its XdpNodeState, until stopped. Runs
 * as a DaemonSet (hostNetwork, NODE_NAME from the downward API); see docs/agent.md.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the node agent against the Kubernetes API server (cluster mode) until stopped.")
public class RunCommand implements Callable<Integer> {
    @Inject
    ClusterAgentService service;

    @Override
    public Integer call() {
        service.start();
        Quarkus.waitForExit();
        return ExitCodes.OK;
    }
}
