package io.xdpguard.operator.dependent;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.xdpguard.operator.config.OperatorConfig;
import io.xdpguard.operator.status.NodeEligibility;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The agent DaemonSet as it should be: everything from {@link OperatorConfig} (which the Helm chart supplies) and the
 * {@link AgentPlacement}. Pure. The desired object carries a hash of itself, so that "up to date" is a string
 * comparison, not a diff against fields the API server defaulted.
 */
public final class AgentDaemonSet {
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "xdpguard-operator";
    public static final String NAME_LABEL = "app.kubernetes.io/name";
    public static final String COMPONENT_LABEL = "app.kubernetes.io/component";
    public static final String PART_OF_LABEL = "app.kubernetes.io/part-of";
    /** Hash of the desired object: unchanged hash, nothing to write. */
    public static final String HASH_ANNOTATION = "xdpguard.io/desired-hash";
    /**
     * The nodeSelector each filter was placed with. A rejected generation changes nothing that runs: its placement
     * is taken from here, so the last accepted selector survives an operator restart.
     */
    public static final String SELECTORS_ANNOTATION = "xdpguard.io/filter-selectors";
    static final String BPFFS = "/sys/fs/bpf";

    private AgentDaemonSet() {
    }

    public static List<Toleration> tolerations(OperatorConfig.Agent agent) {
        List<Toleration> tolerations = new ArrayList<>();
        if (agent.tolerateAll()) {
            tolerations.add(new TolerationBuilder().withOperator("Exists").build());
        }
        agent.tolerations().orElse(List.of()).forEach(t -> tolerations.add(new TolerationBuilder()
                .withKey(t.key().orElse(null)).withOperator(t.operator()).withValue(t.value().orElse(null))
                .withEffect(t.effect().orElse(null)).withTolerationSeconds(t.tolerationSeconds().orElse(null)).build()));
        return tolerations;
    }

    public static DaemonSet desired(OperatorConfig config, AgentPlacement.Placement placement,
            Map<String, LabelSelector> selectors) {
        OperatorConfig.Agent agent = config.agent();
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME_LABEL, agent.name());
        labels.put(COMPONENT_LABEL, "agent");
        labels.put(PART_OF_LABEL, "xdpguard");
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        Map<String, String> selectorLabels = Map.of(NAME_LABEL, agent.name(), COMPONENT_LABEL, "agent");

        DaemonSet ds = new DaemonSetBuilder()
                .withNewMetadata().withName(agent.name()).withNamespace(config.namespace()).withLabels(labels)
                .addToAnnotations(SELECTORS_ANNOTATION, Serialization.asJson(new TreeMap<>(selectors)))
                .endMetadata()
                .withNewSpec()
                .withNewSelector().withMatchLabels(selectorLabels).endSelector()
                .withNewUpdateStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(intOrString(agent.maxUnavailable())).endRollingUpdate().endUpdateStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                .withServiceAccountName(agent.serviceAccountName())
                .withPriorityClassName(agent.priorityClassName())
                .withHostNetwork(true)
                .withDnsPolicy("ClusterFirstWithHostNet")
                .withTolerations(tolerations(agent))
                .withAffinity(affinity(placement))
                .withImagePullSecrets(agent.imagePullSecrets().orElse(List.of()).stream()
                        .map(LocalObjectReference::new).toList())
                .addNewContainer()
                .withName("agent")
                .withImage(agent.image())
                .withImagePullPolicy(agent.imagePullPolicy())
                .withEnv(env(config))
                // hostNetwork: the container port is the node's port; named for the chart's PodMonitor.
                .addNewPort().withName("metrics").withContainerPort(agent.metricsPort()).withProtocol("TCP").endPort()
                .withResources(resources(agent.resources()))
                // Readiness (the first sync applied, or failed with a reported reason) paces a rolling update: an
                // agent that cannot sync stops it. Restarting the agent opens no gap (programs stay attached, maps
                // pinned), so a stuck reconciler is restarted; startup allows 5 minutes for the JVM and first sync.
                .withStartupProbe(probe("/q/health/live", 5, 60))
                .withLivenessProbe(probe("/q/health/live", 10, 6))
                .withReadinessProbe(probe("/q/health/ready", 10, 1))
                .withSecurityContext(securityContext(agent))
                .addNewVolumeMount().withName("bpffs").withMountPath(BPFFS)
                // The API server allows Bidirectional propagation for privileged containers only.
                .withMountPropagation(agent.privileged() ? "Bidirectional" : "HostToContainer").endVolumeMount()
                .endContainer()
                .addNewVolume().withName("bpffs").withNewHostPath().withPath(BPFFS).withType("DirectoryOrCreate")
                .endHostPath().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
        ds.getMetadata().getAnnotations().put(HASH_ANNOTATION, hash(ds));
        return ds;
    }

    /**
     * The placement as a required node affinity, restricted to Linux nodes in every placement: the agent is a Linux
     * program (XDP, bpffs), and tolerate-all would otherwise tolerate Windows nodes' {@code os=windows} taint too. A
     * Linux node is one labelled {@code kubernetes.io/os=linux} or not labelled at all, as the status roll-up counts
     * them ({@link NodeEligibility#isLinux}): terms are ORed and a term's requirements ANDed, hence two terms. Selected
     * nodes are the ones carrying {@link AgentNodeLabels#LABEL}, so the affinity is one of two fixed values: no
     * filter's selector appears in the pod template, and placement changes roll no agent.
     */
    static Affinity affinity(AgentPlacement.Placement placement) {
        NodeSelectorTerm placed = placement instanceof AgentPlacement.SelectedNodes
                ? new NodeSelectorTermBuilder().addNewMatchExpression().withKey(AgentNodeLabels.LABEL).withOperator("In")
                        .withValues(AgentNodeLabels.VALUE).endMatchExpression().build()
                : new NodeSelectorTerm();
        List<NodeSelectorTerm> terms = new ArrayList<>();
        for (NodeSelectorRequirement linux : linux()) {
            terms.add(new NodeSelectorTermBuilder(placed).addToMatchExpressions(linux).build());
        }
        return new AffinityBuilder().withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .withNodeSelectorTerms(terms).endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity().build();
    }

    /** The two ways a node counts as Linux: labelled so, or not labelled at all. */
    private static List<NodeSelectorRequirement> linux() {
        return List.of(
                new NodeSelectorRequirementBuilder().withKey(NodeEligibility.OS_LABEL).withOperator("In")
                        .withValues(NodeEligibility.LINUX).build(),
                new NodeSelectorRequirementBuilder().withKey(NodeEligibility.OS_LABEL).withOperator("DoesNotExist")
                        .build());
    }

    static List<EnvVar> env(OperatorConfig config) {
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVarBuilder().withName("NODE_NAME").withNewValueFrom().withNewFieldRef()
                .withFieldPath("spec.nodeName").endFieldRef().endValueFrom().build());
        // The agent's own configuration properties (node-agent application.properties), as environment variables.
        env.add(new EnvVar("XDPGUARD_AGENT_FAILSAFE_ENABLED", String.valueOf(config.failsafe().enabled()), null));
        config.failsafe().sourceCidrs().filter(cidrs -> !cidrs.isEmpty()).ifPresent(cidrs ->
                env.add(new EnvVar("XDPGUARD_AGENT_FAILSAFE_EXTRA_CIDRS", String.join(",", cidrs), null)));
        env.add(new EnvVar("XDPGUARD_AGENT_SAMPLES_LOG_PER_SECOND",
                String.valueOf(config.sampling().enabled() ? config.sampling().logPerSecond() : 0), null));
        // Only when on: a new variable in the template would roll every agent on the operator's upgrade.
        if (config.sampling().remoteAccess()) {
            env.add(new EnvVar("XDPGUARD_AGENT_SAMPLES_REMOTE_ACCESS", "true", null));
        }
        env.add(new EnvVar("QUARKUS_LOG_CATEGORY__IO_XDPGUARD__LEVEL", config.agent().logLevel(), null));
        env.add(new EnvVar("XDPGUARD_HTTP_PORT", String.valueOf(config.agent().metricsPort()), null));
        OperatorConfig.AgentDataplane maps = config.agent().dataplane();
        maps.hostEntriesPerSlot().ifPresent(n -> env.add(new EnvVar("XDPGUARD_AGENT_DATAPLANE_HOST_ENTRIES_PER_SLOT",
                String.valueOf(n), null)));
        maps.lpmEntriesPerSlot().ifPresent(n -> env.add(new EnvVar("XDPGUARD_AGENT_DATAPLANE_LPM_ENTRIES_PER_SLOT",
                String.valueOf(n), null)));
        maps.ipv4ChunksPerSlot().ifPresent(n -> env.add(new EnvVar("XDPGUARD_AGENT_DATAPLANE_IPV4_CHUNKS_PER_SLOT",
                String.valueOf(n), null)));
        maps.ipv6BlocksPerSlot().ifPresent(n -> env.add(new EnvVar("XDPGUARD_AGENT_DATAPLANE_IPV6_BLOCKS_PER_SLOT",
                String.valueOf(n), null)));
        return env;
    }

    static ResourceRequirements resources(OperatorConfig.Resources r) {
        ResourceRequirementsBuilder b = new ResourceRequirementsBuilder();
        r.requestsCpu().ifPresent(v -> b.addToRequests("cpu", new Quantity(v)));
        r.requestsMemory().ifPresent(v -> b.addToRequests("memory", new Quantity(v)));
        r.limitsCpu().ifPresent(v -> b.addToLimits("cpu", new Quantity(v)));
        r.limitsMemory().ifPresent(v -> b.addToLimits("memory", new Quantity(v)));
        return b.build();
    }

    static SecurityContext securityContext(OperatorConfig.Agent agent) {
        if (agent.privileged()) {
            return new SecurityContextBuilder().withPrivileged(true).build();
        }
        return new SecurityContextBuilder().withPrivileged(false).withNewCapabilities()
                .withAdd(agent.capabilities()).withDrop("ALL").endCapabilities().build();
    }

    /** The agent's health endpoint on its named HTTP port (the node's port: hostNetwork). */
    static Probe probe(String path, int periodSeconds, int failureThreshold) {
        return new ProbeBuilder().withNewHttpGet().withPath(path).withPort(new IntOrString("metrics")).endHttpGet()
                .withPeriodSeconds(periodSeconds).withTimeoutSeconds(5).withFailureThreshold(failureThreshold).build();
    }

    private static IntOrString intOrString(String value) {
        return value.chars().allMatch(Character::isDigit) ? new IntOrString(Integer.parseInt(value)) : new IntOrString(value);
    }

    static String hash(DaemonSet ds) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(Serialization.asJson(ds).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
