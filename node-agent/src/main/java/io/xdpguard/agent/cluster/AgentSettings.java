package io.xdpguard.agent.cluster;

import java.time.Duration;
import java.util.List;

/**
 * The cluster agent's settings, independent of how they are read (Quarkus configuration in production, plain
 * values in tests). See docs/agent.md for the properties and their environment variables.
 *
 * @param nodeName             this node (NODE_NAME from the downward API); the agent writes only its XdpNodeState
 * @param failsafeEnabled      pass control-plane traffic before every filter
 * @param failsafeNodeAddresses add the Node's InternalIP addresses and the API server endpoints as failsafe sources
 * @param extraFailsafeCidrs   more failsafe source CIDRs (e.g. a bastion network)
 * @param eventNamespace       where Kubernetes Events about (cluster-scoped) XdpFilters are created
 * @param debounce             quiet time after an event before the whole state is reconciled
 * @param interfaceRescan      how often host interfaces are re-listed (a change triggers a reconcile)
 * @param resync               how often the whole state is reconciled without any event (heals kernel drift)
 * @param statusRetry          how soon a failed XdpNodeState write is retried
 * @param eventsPerMinute      most Kubernetes Events created per minute (burst of the same size)
 * @param agentVersion         reported in the node state
 */
public record AgentSettings(String nodeName, boolean failsafeEnabled, boolean failsafeNodeAddresses,
        List<String> extraFailsafeCidrs, String eventNamespace, Duration debounce, Duration interfaceRescan,
        Duration resync, Duration statusRetry, int eventsPerMinute, String agentVersion) {

    public AgentSettings {
        if (nodeName == null || nodeName.isBlank()) {
            throw new IllegalArgumentException("the node name is required (xdpguard.agent.node-name, NODE_NAME)");
        }
        extraFailsafeCidrs = List.copyOf(extraFailsafeCidrs);
    }

    /** Defaults for a node, as application.properties sets them. */
    public static AgentSettings defaults(String nodeName) {
        return new AgentSettings(nodeName, true, true, List.of(), "default", Duration.ofMillis(200),
                Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(5), 30, "dev");
    }

    public AgentSettings withDebounce(Duration d) {
        return new AgentSettings(nodeName, failsafeEnabled, failsafeNodeAddresses, extraFailsafeCidrs, eventNamespace, d,
                interfaceRescan, resync, statusRetry, eventsPerMinute, agentVersion);
    }

    public AgentSettings withFailsafe(boolean enabled) {
        return new AgentSettings(nodeName, enabled, failsafeNodeAddresses, extraFailsafeCidrs, eventNamespace, debounce,
                interfaceRescan, resync, statusRetry, eventsPerMinute, agentVersion);
    }

    public AgentSettings withStatusRetry(Duration d) {
        return new AgentSettings(nodeName, failsafeEnabled, failsafeNodeAddresses, extraFailsafeCidrs, eventNamespace,
                debounce, interfaceRescan, resync, d, eventsPerMinute, agentVersion);
    }
}
