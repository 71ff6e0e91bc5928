package io.xdpguard.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xdpguard.agent.dataplane.testing.FakeDataplane;
import io.xdpguard.agent.metrics.AgentMetrics;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The agent's RBAC in the Helm chart is exactly what the agent uses: every API call it makes in a typical life
 * (start, enforce, report, fail and emit an event, release, the last reconcile at shutdown) is granted, and every verb granted was used.
 */
class AgentRbacTest {
    private static final String AGENT = "xdpguard-agent-under-test";
    private static final String NODE = "node-1";
    private static final Path CHART_RBAC = Path.of("../helm/xdpguard/templates/agent/rbac.yaml");

    @Test
    void theChartGrantsExactlyTheCallsTheAgentMakes() throws Exception {
        try (MockCluster cluster = new MockCluster().start(); KubernetesClient admin = cluster.client();
                KubernetesClient agentClient = cluster.client(AGENT)) {
            admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE).addToLabels("role", "edge")
                    .endMetadata().withNewStatus().addNewAddress().withType("InternalIP").withAddress("192.168.1.10")
                    .endAddress().endStatus().build()).create();
            FakeDataplane dataplane = new FakeDataplane();
            HostInfo host = new HostInfo() {
                @Override
                public List<String> interfaceNames() {
                    return List.of("eth0");
                }

                @Override
                public String kernelVersion() {
                    return "6.1.0-test";
                }

                @Override
                public boolean bpffsMounted() {
                    return true;
                }
            };
            try (ClusterAgent agent = new ClusterAgent(agentClient, dataplane, host,
                    AgentSettings.defaults(NODE).withDebounce(Duration.ofMillis(50)),
                    new AgentMetrics(new SimpleMeterRegistry(), dataplane),
                    new DropSamples(10, 5, line -> { }, System::currentTimeMillis))) {
                agent.start();
                admin.resource(filter("block", "[\"192.0.2.0/24\"]")).create();
                await(() -> state(admin) != null && state(admin).getStatus() != null
                        && !state(admin).getStatus().getFilters().isEmpty());
                admin.resource(filter("broken", "[\"192.0.2.1/24\"]")).create();
                await(() -> !admin.v1().events().inNamespace("default").list().getItems().isEmpty());
                admin.resources(XdpFilter.class).withName("block").delete();
                admin.resources(XdpFilter.class).withName("broken").delete();
                await(() -> state(admin).getStatus().getFilters().isEmpty());
                agent.finishPendingChanges(Duration.ofSeconds(10)); // its SIGTERM path
            }
            Set<String> used = cluster.requests(AGENT).stream().map(r -> call(r.get(0), r.get(1)))
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> granted = granted();

            assertThat(granted).as("calls the agent made that the chart does not grant").containsAll(used);
            assertThat(used).as("verbs the chart grants that the agent never used").containsAll(granted);
        }
    }

    /** "verb group/resource" of a request, e.g. "watch xdpguard.io/xdpfilters", "update xdpguard.io/xdpnodestates/status". */
    static String call(String method, String pathAndQuery) {
        String path = pathAndQuery.split("\\?")[0];
        boolean watch = pathAndQuery.contains("watch=true");
        List<String> parts = new ArrayList<>(List.of(path.replaceFirst("^/", "").split("/")));
        String group = parts.get(0).equals("api") ? "" : parts.get(1);
        List<String> rest = parts.subList(parts.get(0).equals("api") ? 2 : 3, parts.size());
        if (rest.size() >= 2 && rest.get(0).equals("namespaces")) {
            rest = rest.subList(2, rest.size());
        }
        String resource = rest.get(0) + (rest.size() > 2 ? "/" + rest.get(2) : "");
        boolean named = rest.size() > 1;
        String verb = switch (method) {
            case "GET" -> watch ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> method.toLowerCase();
        };
        return verb + " " + group + "/" + resource;
    }

    /** "verb group/resource" for every rule of the chart's agent ClusterRole and Roles. */
    private static Set<String> granted() throws Exception {
        String yaml = Files.readAllLines(CHART_RBAC).stream().filter(l -> !l.contains("{{")).collect(Collectors.joining("\n"));
        Set<String> out = new TreeSet<>();
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        try (MappingIterator<JsonNode> docs = mapper.readerFor(JsonNode.class).readValues(yaml)) {
            for (JsonNode doc : docs.readAll()) {
                if (!doc.path("kind").asText().endsWith("Role")) {
                    continue;
                }
                for (JsonNode rule : doc.path("rules")) {
                    for (JsonNode group : rule.path("apiGroups")) {
                        for (JsonNode resource : rule.path("resources")) {
                            for (JsonNode verb : rule.path("verbs")) {
                                out.add(verb.asText() + " " + group.asText() + "/" + resource.asText());
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static XdpNodeState state(KubernetesClient admin) {
        return admin.resources(XdpNodeState.class).withName(NODE).get();
    }

    private static XdpFilter filter(String name, String sources) {
        return Serialization.unmarshal("""
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpFilter
                metadata: {name: %s, generation: 1}
                spec:
                  interfaces: {include: [eth0]}
                  rules: [{name: r, action: Drop, sources: %s}]
                """.formatted(name, sources), XdpFilter.class);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 30 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
