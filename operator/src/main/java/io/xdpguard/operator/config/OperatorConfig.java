package io.xdpguard.operator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything the operator is told by its deployment (the Helm chart renders these as properties or environment
 * variables, e.g. {@code XDPGUARD_OPERATOR_AGENT_IMAGE}). Cluster-wide: one operator, one agent DaemonSet.
 */
@ConfigMapping(prefix = "xdpguard.operator")
public interface OperatorConfig {

    /** The operator's own namespace: the agent DaemonSet and the leader-election Lease live there. */
    String namespace();

    /** This replica's pod name (the Downward API's metadata.name): the reportingInstance of Events. */
    @WithDefault("xdpguard-operator")
    String podName();

    /**
     * How long a NotReady node may keep a deleted filter's finalizer: after this, its agent is presumed gone and no
     * longer blocks the release. Nodes that no longer exist never block.
     */
    @WithDefault("5m")
    Duration nodeNotReadyTimeout();

    Agent agent();

    Failsafe failsafe();

    Sampling sampling();

    LeaderElection leaderElection();

    interface Agent {
        /** Name of the DaemonSet (and its pods' app.kubernetes.io/name label). */
        @WithDefault("xdpguard-agent")
        String name();

        @WithDefault("ghcr.io/xdpguard/xdpguard-agent:latest")
        String image();

        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        Optional<List<String>> imagePullSecrets();

        @WithDefault("xdpguard-agent")
        String serviceAccountName();

        @WithDefault("system-node-critical")
        String priorityClassName();

        /** Run the agent privileged instead of with the capabilities below (some kernels and runtimes need it). */
        @WithDefault("false")
        boolean privileged();

        @WithDefault("BPF,NET_ADMIN,PERFMON,SYS_ADMIN")
        List<String> capabilities();

        /** Add {@code operator: Exists}: the agent runs on every node whatever its taints. */
        @WithDefault("true")
        boolean tolerateAll();

        /** Tolerations used in addition to (or, with tolerateAll=false, instead of) tolerate-all. */
        Optional<List<TolerationConfig>> tolerations();

        Resources resources();

        /**
         * Where agents run while any filter exists: {@code Selected}, only on the nodes filters select (a placement
         * change changes the pod template, so every agent restarts); {@code Everywhere}, on every node the tolerations
         * allow, idle where no filter applies (one agent's memory per node, no restarts on placement changes).
         */
        @WithDefault("Selected")
        PlacementPolicy placement();

        enum PlacementPolicy {
            Selected,
            Everywhere
        }

        /** maxUnavailable of the DaemonSet's rolling update: a number or a percentage. */
        @WithDefault("1")
        String maxUnavailable();

        /**
         * The agent's HTTP port on the node (it runs with hostNetwork): metrics at /q/metrics, drop samples at
         * /drops. Passed as XDPGUARD_HTTP_PORT and declared as the container port "metrics".
         */
        @WithDefault("9402")
        int metricsPort();

        /** Agent log level, passed as XDPGUARD_LOG_LEVEL. */
        @WithDefault("INFO")
        String logLevel();

        AgentDataplane dataplane();
    }

    /**
     * The agent's classifier map sizes per slot (node-agent's xdpguard.agent.dataplane.*), passed on when set; unset,
     * the agent's own defaults apply.
     */
    interface AgentDataplane {
        Optional<Integer> hostEntriesPerSlot();

        Optional<Integer> lpmEntriesPerSlot();

        Optional<Integer> ipv4ChunksPerSlot();

        Optional<Integer> ipv6BlocksPerSlot();
    }

    interface TolerationConfig {
        Optional<String> key();

        @WithDefault("Exists")
        String operator();

        Optional<String> value();

        /** NoSchedule, PreferNoSchedule or NoExecute; empty = every effect. */
        Optional<String> effect();

        Optional<Long> tolerationSeconds();
    }

    interface Resources {
        @WithDefault("50m")
        Optional<String> requestsCpu();

        @WithDefault("128Mi")
        Optional<String> requestsMemory();

        Optional<String> limitsCpu();

        @WithDefault("512Mi")
        Optional<String> limitsMemory();
    }

    interface Failsafe {
        /**
         * The agents' failsafe rules (SSH, API server, etcd, kubelet, DHCP, IPv6 ND) passed before every filter.
         * Turning them off is an explicit choice: lockout warnings then say the traffic WILL be cut.
         */
        @WithDefault("true")
        boolean enabled();

        /** Extra source CIDRs always passed, e.g. the API server endpoints. */
        Optional<List<String>> sourceCidrs();
    }

    interface Sampling {
        /** Log drop samples (rules' sampleRate) at all; the kernel samples and /drops serves them either way. */
        @WithDefault("true")
        boolean enabled();

        /** Most drop samples each agent logs per second (the kernel takes at most 1000 per second per interface). */
        @WithDefault("10")
        int logPerSecond();

        /** Agents serve /drops to clients on other hosts too (off: to the node itself, e.g. kubectl port-forward). */
        @WithDefault("false")
        boolean remoteAccess();
    }

    interface LeaderElection {
        /** Lease name in the operator namespace. */
        @WithDefault("xdpguard-operator")
        String leaseName();

        @WithDefault("15s")
        Duration leaseDuration();

        @WithDefault("10s")
        Duration renewDeadline();

        @WithDefault("2s")
        Duration retryPeriod();
    }
}
