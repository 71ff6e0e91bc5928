package io.xdpguard.agent.cluster;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.xdpguard.agent.dataplane.kernel.MapCapacities;
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

    DataplaneMaps dataplane();

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

    /**
     * Sizes of the classifier's maps per interface, per slot (one rule set; the maps hold two: the one in force and
     * the next). Set before the program loads; a change applies on the agent's next start by rebuilding the maps beside
     * the old ones and replacing the program atomically (docs/operations.md "Map capacities"). 0 keeps the compiled
     * object's size.
     */
    interface DataplaneMaps {
        /**
         * Exact addresses (/32, /128) per address dimension in the host hashes; those beyond go to the LPM tries as
         * full-length prefixes (slower lookups). Kernel memory: ~16 bytes of buckets per entry of capacity (rounded
         * up to a power of two, both slots, both dimensions) plus ~100 bytes per address in use.
         */
        @WithDefault("" + MapCapacities.DEFAULT_HOSTS_PER_SLOT)
        int hostEntriesPerSlot();

        /**
         * Prefixes per address dimension and family in the LPM tries (exact addresses beyond the host capacity
         * included). Not preallocated: the capacity is a limit, only entries in use cost memory.
         */
        @WithDefault("" + MapCapacities.DEFAULT_PREFIXES_PER_SLOT)
        int lpmEntriesPerSlot();

        /**
         * IPv4 /24 chunks per address dimension: the /16s (the lowest ones first) with a prefix longer than /16 inside
         * whose /24s are answered by an array read instead of the trie, at most 65,536 (one per /16). Preallocated:
         * 4 KiB per chunk (1 KiB, two slots, two dimensions), 4 MiB at the default, 256 MiB at 65,536.
         */
        @WithDefault("" + MapCapacities.DEFAULT_CHUNKS_PER_SLOT)
        int ipv4ChunksPerSlot();

        /**
         * IPv6 /32 and /48 blocks per address dimension in the IPv6 direct stage's hashes: the blocks holding a prefix
         * at least as long or an exact host, whose addresses are mostly answered without the trie; beyond it, blocks
         * are left to the trie. Kernel memory: ~16 bytes of buckets per entry of capacity (rounded up to a power of
         * two, both slots, both dimensions: 4 MiB at the default) plus ~100 bytes per block in use.
         */
        @WithDefault("" + MapCapacities.DEFAULT_IPV6_BLOCKS_PER_SLOT)
        int ipv6BlocksPerSlot();
    }

    interface Samples {
        /** Sampled drops kept in memory for GET /drops. */
        @WithDefault("1000")
        int bufferSize();

        /** Most drop samples logged per second (the rest are counted). */
        @WithDefault("10")
        int logPerSecond();

        /**
         * Serve GET /drops to clients on other hosts too. Off by default: samples carry the source addresses of
         * dropped packets, and the agent listens on the node's addresses (hostNetwork) without authentication.
         */
        @WithDefault("false")
        boolean remoteAccess();
    }
}
