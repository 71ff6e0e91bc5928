package io.xdpguard.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.quarkus.runtime.configuration.DurationConverter;
import io.xdpguard.operator.config.OperatorConfig;
import io.xdpguard.operator.dependent.AgentDaemonSet;
import io.xdpguard.operator.dependent.AgentNodeLabels;
import io.xdpguard.operator.dependent.AgentPlacement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart (helm/xdpguard), rendered with the Helm library bundled by helm-java: lint, what each value set
 * renders, that the operator's environment really configures {@link OperatorConfig} (and through it the agent
 * DaemonSet), RBAC, the values schema, the CRD copies and the metric names of the dashboard and alerts.
 */
class HelmChartTest {

    static final Path ROOT = ChartTemplate.ROOT;
    static final Path CHART = ChartTemplate.CHART;
    static final String NS = ChartTemplate.NS;
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    // ---------------------------------------------------------------------------------------------- rendering

    record Rendered(List<JsonNode> docs) {
        List<JsonNode> all(String kind) {
            return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
        }

        JsonNode one(String kind) {
            List<JsonNode> found = all(kind);
            assertThat(found).as("rendered %s", kind).hasSize(1);
            return found.get(0);
        }

        JsonNode named(String kind, String name) {
            return all(kind).stream().filter(d -> name.equals(d.path("metadata").path("name").asText())).findFirst()
                    .orElseThrow(() -> new AssertionError(kind + " " + name + " not rendered"));
        }

        Deployment deployment() {
            return Serialization.jsonMapper().convertValue(one("Deployment"), Deployment.class);
        }
    }

    static Rendered render(UnaryOperator<TemplateCommand> values) {
        return render("1.31.0", values);
    }

    static Rendered render(String kubeVersion, UnaryOperator<TemplateCommand> values) {
        return new Rendered(ChartTemplate.render(kubeVersion, values));
    }

    static Map<String, String> env(Deployment d) {
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : c.getEnv()) {
            assertThat(env).as("duplicate env %s", e.getName()).doesNotContainKey(e.getName());
            env.put(e.getName(), e.getValue());
        }
        return env;
    }

    /** The operator's configuration as the operator would read it from the rendered environment. */
    static OperatorConfig operatorConfig(Deployment d) {
        Map<String, String> env = new LinkedHashMap<>();
        env(d).forEach((k, v) -> {
            if (v != null) {
                env.put(k, v);
            }
        });
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(env, 300))
                .withDefaultValue("xdpguard.operator.namespace", NS) // from POD_NAMESPACE (Downward API)
                .withConverter(Duration.class, 200, new DurationConverter()) // Quarkus' "15s" form
                .withMapping(OperatorConfig.class)
                .build();
        return config.getConfigMapping(OperatorConfig.class);
    }

    static PodSpec agentPod(OperatorConfig config) {
        DaemonSet ds = AgentDaemonSet.desired(config, new AgentPlacement.AllNodes(), Map.of());
        return ds.getSpec().getTemplate().getSpec();
    }

    // ---------------------------------------------------------------------------------------------- tests

    @Test
    void lintStrictPasses() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
    }

    @Test
    void defaultsRenderARestrictedOperatorWithTheAgentSettings() {
        Rendered r = render(c -> c);
        Deployment d = r.deployment();
        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo("xdpguard-operator");
        assertThat(pod.getNodeSelector()).as("Linux images").containsEntry("kubernetes.io/os", "linux");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        Container c = pod.getContainers().get(0);
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(c.getImage()).isEqualTo("ghcr.io/xdpguard/xdpguard-operator:0.1.0");

        Map<String, String> env = env(d);
        assertThat(env).containsEntry("XDPGUARD_OPERATOR_AGENT_IMAGE", "ghcr.io/xdpguard/xdpguard-agent:0.1.0")
                .containsEntry("XDPGUARD_OPERATOR_AGENT_NAME", "xdpguard-agent")
                .containsEntry("XDPGUARD_OPERATOR_AGENT_SERVICE_ACCOUNT_NAME", "xdpguard-agent")
                .containsEntry("XDPGUARD_OPERATOR_AGENT_PRIORITY_CLASS_NAME", "system-node-critical")
                .containsEntry("XDPGUARD_OPERATOR_AGENT_PRIVILEGED", "false")
                .containsEntry("XDPGUARD_OPERATOR_AGENT_CAPABILITIES", "BPF,NET_ADMIN,PERFMON,SYS_ADMIN")
                .containsEntry("XDPGUARD_OPERATOR_AGENT_TOLERATE_ALL", "true")
                .containsEntry("XDPGUARD_OPERATOR_AGENT_PLACEMENT", "Selected")
                .containsEntry("XDPGUARD_OPERATOR_AGENT_METRICS_PORT", "9402")
                .containsEntry("XDPGUARD_OPERATOR_FAILSAFE_ENABLED", "true")
                .containsEntry("XDPGUARD_OPERATOR_SAMPLING_ENABLED", "true")
                .containsEntry("XDPGUARD_OPERATOR_SAMPLING_LOG_PER_SECOND", "10")
                .containsEntry("XDPGUARD_OPERATOR_SAMPLING_REMOTE_ACCESS", "false")
                .containsEntry("XDPGUARD_OPERATOR_AGENT_DATAPLANE_HOST_ENTRIES_PER_SLOT", "65536")
                .containsEntry("XDPGUARD_OPERATOR_AGENT_DATAPLANE_LPM_ENTRIES_PER_SLOT", "1100000")
                .containsEntry("XDPGUARD_OPERATOR_AGENT_DATAPLANE_IPV4_CHUNKS_PER_SLOT", "1024")
                .containsEntry("XDPGUARD_OPERATOR_AGENT_DATAPLANE_IPV6_BLOCKS_PER_SLOT", "65536")
                .containsEntry("XDPGUARD_OPERATOR_LEADER_ELECTION_LEASE_NAME", "xdpguard-operator")
                .containsKeys("POD_NAMESPACE", "POD_NAME");
        assertThat(env.keySet()).noneMatch(k -> k.startsWith("XDPGUARD_OPERATOR_AGENT_TOLERATIONS_"));

        // The agent ServiceAccount the operator will reference is the one the chart renders and binds.
        assertThat(r.one("PodDisruptionBudget").path("spec").path("maxUnavailable")
                .asInt()).isEqualTo(1);
        assertThat(r.all("ServiceAccount")).extracting(s -> s.path("metadata").path("name").asText())
                .containsExactlyInAnyOrder("xdpguard-operator", "xdpguard-agent");
        assertThat(r.all("ServiceMonitor")).isEmpty();
        assertThat(r.all("PodMonitor")).isEmpty();
        assertThat(r.all("PrometheusRule")).isEmpty();
        assertThat(r.all("ConfigMap")).isEmpty();

        // ... and the operator reading that environment builds the agent DaemonSet from it.
        OperatorConfig config = operatorConfig(d);
        PodSpec agent = agentPod(config);
        assertThat(agent.getServiceAccountName()).isEqualTo("xdpguard-agent");
        assertThat(agent.getPriorityClassName()).isEqualTo("system-node-critical");
        assertThat(agent.getContainers().get(0).getImage()).isEqualTo("ghcr.io/xdpguard/xdpguard-agent:0.1.0");
        assertThat(agent.getContainers().get(0).getSecurityContext().getPrivileged()).isFalse();
        assertThat(agent.getContainers().get(0).getSecurityContext().getCapabilities().getAdd())
                .containsExactly("BPF", "NET_ADMIN", "PERFMON", "SYS_ADMIN");
        assertThat(agent.getTolerations()).extracting(Toleration::getOperator).containsExactly("Exists");
        // Tolerating every taint, Windows nodes' os=windows too: the affinity keeps the agent on Linux nodes.
        assertThat(agent.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms()).extracting(t -> t.getMatchExpressions().stream()
                        .map(q -> q.getKey() + " " + q.getOperator()
                                + (q.getValues() == null || q.getValues().isEmpty() ? "" : " " + q.getValues())).toList())
                .containsExactly(List.of("kubernetes.io/os In [linux]"), List.of("kubernetes.io/os DoesNotExist"));
        assertThat(agent.getContainers().get(0).getPorts()).singleElement()
                .satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(9402));
        // Probes on the agent's health endpoints (AgentHealthChecks), on that port: a rollout waits for readiness.
        Container container = agent.getContainers().get(0);
        String port = container.getPorts().get(0).getName();
        assertThat(List.of(container.getStartupProbe(), container.getLivenessProbe(), container.getReadinessProbe()))
                .allSatisfy(p -> assertThat(p.getHttpGet().getPort().getStrVal()).isEqualTo(port))
                .extracting(p -> p.getHttpGet().getPath())
                .containsExactly("/q/health/live", "/q/health/live", "/q/health/ready");
        assertThat(config.leaderElection().leaseName()).isEqualTo("xdpguard-operator");
        assertThat(config.agent().placement()).isEqualTo(OperatorConfig.Agent.PlacementPolicy.Selected);
    }

    /** The map capacities reach the agent's environment as its own properties, large numbers not in float notation. */
    @Test
    void dataplaneMapCapacitiesReachTheAgent() throws IOException {
        Path values = Files.createTempFile("xdpguard-values", ".yaml");
        Files.writeString(values, """
                agent:
                  dataplane:
                    hostEntriesPerSlot: 1048576
                    lpmEntriesPerSlot: 2000000
                    ipv4ChunksPerSlot: 65536
                    ipv6BlocksPerSlot: 262144
                """);
        Deployment d = render(c -> c.withValuesFile(values)).deployment();
        Map<String, String> agentEnv = agentPod(operatorConfig(d)).getContainers().get(0).getEnv().stream()
                .filter(e -> e.getValue() != null).collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        assertThat(agentEnv).containsEntry("XDPGUARD_AGENT_DATAPLANE_HOST_ENTRIES_PER_SLOT", "1048576")
                .containsEntry("XDPGUARD_AGENT_DATAPLANE_LPM_ENTRIES_PER_SLOT", "2000000")
                .containsEntry("XDPGUARD_AGENT_DATAPLANE_IPV4_CHUNKS_PER_SLOT", "65536")
                .containsEntry("XDPGUARD_AGENT_DATAPLANE_IPV6_BLOCKS_PER_SLOT", "262144");
        assertThatThrownBy(() -> render(c -> c.set("agent.dataplane.ipv4ChunksPerSlot", "65537")))
                .hasMessageContaining("ipv4ChunksPerSlot");
        assertThatThrownBy(() -> render(c -> c.set("agent.dataplane.hostEntriesPerSlot", "0")))
                .hasMessageContaining("hostEntriesPerSlot");
        assertThatThrownBy(() -> render(c -> c.set("agent.dataplane.ipv6BlocksPerSlot", "0")))
                .hasMessageContaining("ipv6BlocksPerSlot");
        // the agent's bound (Abi.DIR6_MAX_BLOCKS: 2^24 buckets at most half full)
        assertThatThrownBy(() -> render(c -> c.set("agent.dataplane.ipv6BlocksPerSlot", "33554433")))
                .hasMessageContaining("ipv6BlocksPerSlot");
    }

    @Test
    void privilegedSwitchReachesTheAgent() {
        Deployment d = render(c -> c.set("agent.privileged", "true")).deployment();
        assertThat(env(d)).containsEntry("XDPGUARD_OPERATOR_AGENT_PRIVILEGED", "true");
        Container agent = agentPod(operatorConfig(d)).getContainers().get(0);
        assertThat(agent.getSecurityContext().getPrivileged()).isTrue();
        assertThat(agent.getVolumeMounts().get(0).getMountPropagation()).isEqualTo("Bidirectional");
        // The operator itself stays restricted.
        assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getSecurityContext()
                .getCapabilities().getDrop()).containsExactly("ALL");
    }

    @Test
    void customTolerationsResourcesAndFailsafeReachTheAgent() throws IOException {
        Path values = Files.createTempFile("xdpguard-values", ".yaml");
        Files.writeString(values, """
                agent:
                  tolerateAll: false
                  tolerations:
                    - {key: node-role.kubernetes.io/edge, operator: Exists, effect: NoSchedule}
                    - {key: dedicated, operator: Equal, value: xdp, effect: NoExecute, tolerationSeconds: 30}
                  capabilities: [BPF, NET_ADMIN]
                  resources:
                    requests: {cpu: 100m, memory: 256Mi}
                    limits: {cpu: "1", memory: 1Gi}
                  failsafe:
                    sourceCidrs: [10.0.0.0/8, 192.0.2.0/24]
                  sampling: {enabled: false, remoteAccess: true}
                  metricsPort: 9500
                operator:
                  imagePullSecrets: [regcred]
                """);
        Deployment d = render(c -> c.withValuesFile(values)).deployment();
        assertThat(env(d)).containsEntry("XDPGUARD_OPERATOR_AGENT_TOLERATIONS_1__VALUE", "xdp")
                .containsEntry("XDPGUARD_OPERATOR_AGENT_TOLERATIONS_1__TOLERATION_SECONDS", "30");
        OperatorConfig config = operatorConfig(d);
        PodSpec agent = agentPod(config);
        assertThat(agent.getTolerations()).hasSize(2);
        assertThat(agent.getTolerations().get(0)).satisfies(t -> {
            assertThat(t.getKey()).isEqualTo("node-role.kubernetes.io/edge");
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getEffect()).isEqualTo("NoSchedule");
        });
        assertThat(agent.getTolerations().get(1)).satisfies(t -> {
            assertThat(t.getKey()).isEqualTo("dedicated");
            assertThat(t.getOperator()).isEqualTo("Equal");
            assertThat(t.getValue()).isEqualTo("xdp");
            assertThat(t.getEffect()).isEqualTo("NoExecute");
            assertThat(t.getTolerationSeconds()).isEqualTo(30L);
        });
        Container c = agent.getContainers().get(0);
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).containsExactly("BPF", "NET_ADMIN");
        assertThat(c.getResources().getRequests().get("cpu").toString()).isEqualTo("100m");
        assertThat(c.getResources().getLimits().get("cpu").toString()).isEqualTo("1");
        assertThat(c.getResources().getLimits().get("memory").toString()).isEqualTo("1Gi");
        assertThat(agent.getImagePullSecrets()).extracting(s -> s.getName()).containsExactly("regcred");
        Map<String, String> agentEnv = c.getEnv().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        assertThat(agentEnv).containsEntry("XDPGUARD_AGENT_FAILSAFE_EXTRA_CIDRS", "10.0.0.0/8,192.0.2.0/24")
                .containsEntry("XDPGUARD_AGENT_SAMPLES_LOG_PER_SECOND", "0")
                .containsEntry("XDPGUARD_AGENT_SAMPLES_REMOTE_ACCESS", "true")
                .containsEntry("XDPGUARD_HTTP_PORT", "9500");
    }

    @Test
    void monitoringOnRendersMonitorsRulesAndDashboard() throws IOException {
        Rendered r = render(c -> c.set("monitoring.serviceMonitor.enabled", "true")
                .set("monitoring.podMonitor.enabled", "true")
                .set("monitoring.prometheusRule.enabled", "true")
                .set("monitoring.dashboard.enabled", "true"));
        JsonNode sm = r.one("ServiceMonitor");
        assertThat(sm.path("spec").path("endpoints").get(0).path("path").asText()).isEqualTo("/q/metrics");
        // The ServiceMonitor's port is the operator Service's port name.
        assertThat(sm.path("spec").path("endpoints").get(0).path("port").asText())
                .isEqualTo(r.one("Service").path("spec").path("ports").get(0).path("name").asText());

        // The PodMonitor selects the pods of the DaemonSet the operator builds, on its named port.
        JsonNode pm = r.one("PodMonitor");
        DaemonSet ds = AgentDaemonSet.desired(operatorConfig(r.deployment()), new AgentPlacement.AllNodes(), Map.of());
        Map<String, String> podLabels = ds.getSpec().getTemplate().getMetadata().getLabels();
        pm.path("spec").path("selector").path("matchLabels").fields()
                .forEachRemaining(e -> assertThat(podLabels).containsEntry(e.getKey(), e.getValue().asText()));
        assertThat(pm.path("spec").path("podMetricsEndpoints").get(0).path("port").asText())
                .isEqualTo(ds.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().get(0).getName());

        JsonNode rule = r.one("PrometheusRule");
        Set<String> alerts = new TreeSet<>();
        rule.path("spec").path("groups").get(0).path("rules").forEach(a -> alerts.add(a.path("alert").asText()));
        assertThat(alerts).containsExactlyInAnyOrder("XdpFilterDegraded", "XdpGuardAgentDown",
                "XdpGuardApplyFailures", "XdpGuardAgentHolding", "XdpGuardDropSamplesLost", "XdpGuardNodeLabelFailures");

        JsonNode cm = r.one("ConfigMap");
        assertThat(cm.path("metadata").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
        JsonNode dashboard = new ObjectMapper().readTree(cm.path("data").path("xdpguard.json").asText());
        assertThat(dashboard.path("panels").size()).isGreaterThan(5);
    }

    @Test
    void admissionPoliciesOnlyFrom130() {
        Rendered r = render("1.30.0", c -> c);
        JsonNode agent = r.named("ValidatingAdmissionPolicy", "xdpguard-agent-own-nodestate");
        assertThat(agent.path("spec").path("matchConditions").get(0).path("expression").asText())
                .contains("system:serviceaccount:" + NS + ":xdpguard-agent");
        JsonNode operator = r.named("ValidatingAdmissionPolicy", "xdpguard-operator-node-label");
        assertThat(operator.path("spec").path("matchConditions").get(0).path("expression").asText())
                .contains("system:serviceaccount:" + NS + ":xdpguard-operator\"");
        assertThat(r.all("ValidatingAdmissionPolicyBinding")).extracting(b -> b.path("spec").path("policyName").asText())
                .containsExactlyInAnyOrder("xdpguard-agent-own-nodestate", "xdpguard-operator-node-label");
        assertThat(render("1.29.5", c -> c).all("ValidatingAdmissionPolicy")).isEmpty();
        assertThat(render("1.31.0", c -> c.set("agent.nodeRestriction.enabled", "false"))
                .all("ValidatingAdmissionPolicy")).extracting(p -> p.path("metadata").path("name").asText())
                .containsExactly("xdpguard-operator-node-label");
        assertThat(render("1.31.0", c -> c.set("operator.nodeLabelRestriction.enabled", "false"))
                .all("ValidatingAdmissionPolicy")).extracting(p -> p.path("metadata").path("name").asText())
                .containsExactly("xdpguard-agent-own-nodestate");
    }

    /**
     * helm-java's template leaves hooks out (lint renders them, so their syntax is checked there): the post-delete
     * hook is checked on its source. Its selector must match the DaemonSet the operator builds; it runs after the
     * operator is gone (post-delete), does not wait (which would need get and watch) and needs only list and delete;
     * it also removes the operator's label from the nodes.
     */
    @Test
    void uninstallHookDeletesExactlyTheOperatorsDaemonSetAndNodeLabels() throws IOException {
        String hook = Files.readString(CHART.resolve("templates/uninstall/delete-agent-daemonset.yaml"));
        assertThat(hook).contains("\"helm.sh/hook\" \"post-delete\"").contains("- delete", "- daemonset",
                "- --namespace={{ .Release.Namespace }}", "- --ignore-not-found", "- --wait=false",
                "- --cache-dir=/tmp/kube-cache", "mountPath: /tmp", "emptyDir: {}", "readOnlyRootFilesystem: true");
        assertThat(hook).doesNotContain("pre-delete\"").contains("{{- with .Values.operator.nodeSelector }}");
        Matcher m = Pattern.compile("--selector=(\\S+)").matcher(hook);
        assertThat(m.find()).isTrue();
        Map<String, String> dsLabels = AgentDaemonSet.desired(operatorConfig(render(c -> c).deployment()),
                new AgentPlacement.AllNodes(), Map.of()).getMetadata().getLabels();
        String selector = m.group(1).replace("{{ include \"xdpguard.agent.name\" . }}", "xdpguard-agent");
        for (String term : selector.split(",")) {
            String[] kv = term.split("=", 2);
            assertThat(dsLabels).containsEntry(kv[0], kv[1]);
        }
        assertThat(hook).contains("resources: [\"daemonsets\"]\n    verbs: [\"list\", \"delete\"]");
        // The operator's node label removed from every node carrying it, with list and patch on nodes only.
        assertThat(hook).contains("- label", "- nodes", "- --selector=" + AgentNodeLabels.LABEL, "- " + AgentNodeLabels.LABEL + "-",
                "resources: [\"nodes\"]\n    verbs: [\"list\", \"patch\"]", "kind: ClusterRoleBinding");
        // Hook weights: ServiceAccount, Role, RoleBinding, ClusterRole and ClusterRoleBinding before the Job.
        assertThat(hook.split("helm.sh/hook-weight: \"-10\"", -1)).hasSize(6);
        assertThat(hook).contains("helm.sh/hook-weight: \"0\"");
    }

    @Test
    void notesExplainTheFirstFilter() {
        String out = new Helm(CHART).install().withName("xdpguard").withNamespace(NS).withKubeVersion("1.29.0")
                .clientOnly().dryRun().call().getOutput();
        assertThat(out).contains("kind: XdpFilter", "kubectl get xdpf edge-telnet",
                "kubectl -n xdpguard-system get ds xdpguard-agent", "kubectl get nodes -L xdpguard.io/agent",
                "port-forward pod/<agent-pod> 9402", "xdpguard-agent cleanup",
                "agent.nodeRestriction needs Kubernetes >= 1.30");
    }

    // ---------------------------------------------------------------------------------------------- RBAC

    record Rule(Set<String> apiGroups, Set<String> resources, Set<String> verbs) {
        static List<Rule> of(JsonNode role) {
            List<Rule> rules = new ArrayList<>();
            role.path("rules").forEach(r -> rules.add(new Rule(set(r.path("apiGroups")), set(r.path("resources")),
                    set(r.path("verbs")))));
            return rules;
        }

        static Set<String> set(JsonNode array) {
            Set<String> s = new TreeSet<>();
            array.forEach(n -> s.add(n.asText()));
            return s;
        }
    }

    static Rule rule(String group, List<String> resources, List<String> verbs) {
        return new Rule(Set.of(group), new TreeSet<>(resources), new TreeSet<>(verbs));
    }

    /**
     * The chart is the one source of the operator's RBAC. These rules are pinned here for a fast signal; that they are
     * exactly what the operator calls is checked against a recorded run by XdpFilterOperatorTest (OperatorRbac).
     */
    @Test
    void operatorRbacIsMinimal() {
        Rendered r = render(c -> c);
        assertThat(Rule.of(r.named("ClusterRole", "xdpguard-operator"))).containsExactlyInAnyOrder(
                rule("xdpguard.io", List.of("xdpfilters"), List.of("get", "list", "watch", "patch")),
                rule("xdpguard.io", List.of("xdpcidrsets"), List.of("list", "watch")),
                rule("xdpguard.io", List.of("xdpfilters/status", "xdpcidrsets/status"), List.of("patch")),
                rule("xdpguard.io", List.of("xdpnodestates"), List.of("list", "watch")),
                rule("", List.of("nodes"), List.of("list", "watch", "patch")),
                rule("", List.of("events"), List.of("create")));
        JsonNode role = r.named("Role", "xdpguard-operator");
        assertThat(role.path("metadata").path("namespace").asText()).isEqualTo(NS);
        assertThat(Rule.of(role)).containsExactlyInAnyOrder(
                rule("apps", List.of("daemonsets"), List.of("get", "list", "watch", "create", "update", "delete")),
                rule("coordination.k8s.io", List.of("leases"), List.of("get", "create", "update", "patch")));
        JsonNode rb = r.named("RoleBinding", "xdpguard-operator");
        assertThat(rb.path("subjects").get(0).path("name").asText()).isEqualTo("xdpguard-operator");
        JsonNode crb = r.named("ClusterRoleBinding", "xdpguard-operator");
        assertThat(crb.path("subjects").get(0).path("namespace").asText()).isEqualTo(NS);
    }

    @Test
    void agentRbacIsMinimal() {
        Rendered r = render(c -> c);
        assertThat(Rule.of(r.named("ClusterRole", "xdpguard-agent"))).containsExactlyInAnyOrder(
                rule("xdpguard.io", List.of("xdpfilters", "xdpcidrsets"), List.of("list", "watch")),
                rule("", List.of("nodes"), List.of("get", "list", "watch")),
                rule("xdpguard.io", List.of("xdpnodestates"), List.of("get", "create")),
                rule("xdpguard.io", List.of("xdpnodestates/status"), List.of("update")),
                rule("", List.of("events"), List.of("create")));
        JsonNode binding = r.named("ClusterRoleBinding", "xdpguard-agent");
        assertThat(binding.path("subjects").get(0).path("name").asText()).isEqualTo("xdpguard-agent");
        // In "default" only: read the API server's Endpoints (failsafe sources), nothing else.
        JsonNode endpoints = r.named("Role", "xdpguard-agent-apiserver-endpoints");
        assertThat(endpoints.path("metadata").path("namespace").asText()).isEqualTo("default");
        assertThat(Rule.of(endpoints)).containsExactly(rule("", List.of("endpoints"), List.of("get")));
        assertThat(endpoints.path("rules").get(0).path("resourceNames").get(0).asText()).isEqualTo("kubernetes");
        assertThat(r.all("Role")).extracting(d -> d.path("metadata").path("name").asText())
                .containsExactlyInAnyOrder("xdpguard-operator", "xdpguard-agent-apiserver-endpoints");
        assertThat(render(c -> c.set("agent.failsafe.enabled", "false")).all("Role"))
                .extracting(d -> d.path("metadata").path("name").asText())
                .doesNotContain("xdpguard-agent-apiserver-endpoints");
    }

    // ---------------------------------------------------------------------------------------------- schema

    @Test
    void schemaRejectsUnknownKeysAndBadTypes() {
        assertThatThrownBy(() -> render(c -> c.set("operator.replicaz", "3")))
                .hasMessageContaining("replicaz");
        assertThatThrownBy(() -> render(c -> c.set("agent.failsafe.enabeld", "false")))
                .hasMessageContaining("enabeld");
        assertThatThrownBy(() -> render(c -> c.set("agent.metricsPort", "http")))
                .hasMessageContaining("metricsPort");
        assertThatThrownBy(() -> render(c -> c.set("agent.privileged", "yes")))
                .hasMessageContaining("privileged");
        assertThatThrownBy(() -> render(c -> c.set("agent.tolerations[0].effect", "Sometimes")))
                .hasMessageContaining("effect");
    }

    @Test
    void everyObjectInTheSchemaRejectsUnknownKeys() throws IOException {
        JsonNode schema = new ObjectMapper().readTree(CHART.resolve("values.schema.json").toFile());
        List<String> open = new ArrayList<>();
        walk(schema, "$", open);
        // Kubernetes-typed pass-through values (affinity, operator tolerations, extraEnv items) and Helm's global.
        assertThat(open).containsExactlyInAnyOrder("$.properties.global", "$.properties.operator.properties.affinity",
                "$.properties.operator.properties.tolerations.items",
                "$.properties.operator.properties.extraEnv.items");
    }

    static void walk(JsonNode node, String path, List<String> open) {
        if ("object".equals(node.path("type").asText()) && node.has("properties")
                && !(node.path("additionalProperties").isBoolean()
                        && !node.path("additionalProperties").asBoolean())) {
            open.add(path);
        }
        if ("object".equals(node.path("type").asText()) && !node.has("properties")
                && !node.has("additionalProperties")) {
            open.add(path);
        }
        node.fields().forEachRemaining(e -> {
            if (e.getValue().isObject()) {
                walk(e.getValue(), path + "." + e.getKey(), open);
            }
        });
    }

    // ---------------------------------------------------------------------------------------------- CRDs, metrics

    @Test
    void chartCrdsAreTheGeneratedOnes() throws IOException {
        Path generated = ROOT.resolve("crds/manifests");
        Path chart = CHART.resolve("crds");
        try (Stream<Path> g = Files.list(generated); Stream<Path> c = Files.list(chart)) {
            Set<String> generatedNames = g.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
            assertThat(c.map(p -> p.getFileName().toString()).collect(Collectors.toSet()))
                    .isEqualTo(generatedNames).isNotEmpty();
            for (String name : generatedNames) {
                assertThat(Files.readString(chart.resolve(name))).as(name)
                        .isEqualTo(Files.readString(generated.resolve(name)));
            }
        }
    }

    static final Pattern METRIC = Pattern.compile("\\b(xdpguard_[a-z_]+)\\b");

    /** Prometheus names the agent and operator export: docs/agent.md's table, checked against AgentMetrics. */
    static Set<String> exportedMetrics() throws IOException {
        String constants = Files.readString(
                ROOT.resolve("node-agent/src/main/java/io/xdpguard/agent/metrics/AgentMetrics.java"));
        Set<String> meters = new HashSet<>();
        Matcher m = Pattern.compile("\"(xdpguard\\.[a-z.]+)\"").matcher(constants);
        while (m.find()) {
            meters.add(m.group(1).replace('.', '_'));
        }
        assertThat(meters).isNotEmpty();
        Set<String> exported = new TreeSet<>();
        Matcher row = Pattern.compile("^\\| `(xdpguard_[a-z_]+)` \\| (counter|gauge|histogram) ", Pattern.MULTILINE)
                .matcher(Files.readString(ROOT.resolve("docs/agent.md")));
        while (row.find()) {
            String name = row.group(1);
            String meter = switch (row.group(2)) {
                case "counter" -> name.replaceFirst("_total$", "");
                case "histogram" -> name.replaceFirst("_seconds$", "");
                default -> name;
            };
            assertThat(meters).as("docs/agent.md metric %s is an AgentMetrics meter", name).contains(meter);
            exported.add(name);
            if (row.group(2).equals("histogram")) {
                Stream.of("_bucket", "_count", "_sum", "_max").forEach(s -> exported.add(name + s));
            }
        }
        assertThat(exported).hasSizeGreaterThan(8);
        exported.add("xdpguard_filters"); // the operator's FilterMetrics gauge
        exported.add("xdpguard_node_label_failures_total"); // the operator's AgentNodeLabels counter
        return exported;
    }

    @Test
    void dashboardAndAlertsUseOnlyExportedMetrics() throws IOException {
        Set<String> exported = exportedMetrics();
        Rendered r = render(c -> c.set("monitoring.prometheusRule.enabled", "true"));
        String rules = YAML.writeValueAsString(r.one("PrometheusRule").path("spec"));
        String dashboard = Files.readString(CHART.resolve("files/dashboards/xdpguard.json"));
        Set<String> used = new TreeSet<>();
        for (String text : List.of(rules, dashboard)) {
            Matcher m = METRIC.matcher(text);
            while (m.find()) {
                used.add(m.group(1));
            }
        }
        assertThat(used).hasSizeGreaterThan(8);
        assertThat(exported).containsAll(used);
    }
}
