package io.xdpguard.agent.cluster;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The cluster agent's configuration: {@code xdpguard.agent.*} in application.properties, each overridable by its
 * environment variable (e.g. {@code XDPGUARD_AGENT_NODE_NAME}, {@code XDPGUARD_AGENT_FAILSAFE_EXTRA_CIDRS}).
 */
@ConfigMapping(prefix = "xdpguard.agent")
public interface AgentConfig {
    /** This node's name; set from NODE_NAME (downward API: spec.nodeName). */
    Optional<String> nodeName();

    /** Where bpffs is (mounted there when it is not); the agent pins under xdpguard/v1 inside it. */
    @WithDefault("/sys/fs/bpf")
    String bpffsRoot();

    Failsafe failsafe();

    Samples samples();

    /** Quiet time after an event before the whole state is reconciled. */
    @WithDefault("200ms")
    Duration debounce();

    /** How often host interfaces are re-listed. */
    @WithDefault("10s")
    Duration interfaceRescan();

    /** How often the whole state is reconciled without any event. */
    @WithDefault("5m")
    Duration resync();

    /** How soon a failed XdpNodeState write is retried. */
    @WithDefault("5s")
    Duration statusRetry();

    /** Namespace of the Kubernetes Events about XdpFilters (cluster-scoped objects). */
    @WithDefault("default")
    String eventNamespace();

    /** Most Kubernetes Events per minute. */
    @WithDefault("30")
    int eventsPerMinute();

    interface Failsafe {
        /** Pass control-plane traffic (SSH, API server, etcd, kubelet, DHCP, ND) before every filter. */
        @WithDefault("true")
        boolean enabled();

        /** Add the Node's InternalIP addresses and the API server endpoints as failsafe source CIDRs. */
        @WithDefault("true")
        boolean nodeAddresses();

        /** More failsafe source CIDRs, comma-separated. */
        Optional<List<String>> extraCidrs();
    }

    interface Samples {
        /** Sampled drops kept in memory for GET /drops. */
        @WithDefault("1000")
        int bufferSize();

        /** Most drop samples logged per second (the rest are counted). */
        @WithDefault("10")
        int logPerSecond();
    }
}
