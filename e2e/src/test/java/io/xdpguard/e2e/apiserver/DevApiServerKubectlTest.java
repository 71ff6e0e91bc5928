package io.xdpguard.e2e.apiserver;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The machine's real kubectl 1.32 against the dev API server: what a developer types during the demo. */
class DevApiServerKubectlTest {
    private static final Path EXAMPLES = Path.of("..", "examples");

    @TempDir
    static Path dir;
    static DevApiServer server;
    static Kubectl kubectl;
    static KubernetesClient client;

    @BeforeAll
    static void start() {
        Kubectl.requireInstalled();
        server = DevApiServer.start("127.0.0.1", 0);
        Path kubeconfig = dir.resolve("kubeconfig");
        Kubeconfig.write(kubeconfig, server.url());
        kubectl = new Kubectl(kubeconfig, dir);
        client = new KubernetesClientBuilder().withConfig(
                new ConfigBuilder().withMasterUrl(server.url()).build()).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void appliesTheExamplesAndAnEditedRuleReplacesTheList() throws Exception {
        Kubectl.Result first = kubectl.run("apply", "-f", EXAMPLES.toString());
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.stdout()).contains("xdpfilter.xdpguard.io/block-abusers created",
                "xdpcidrset.xdpguard.io/threat-feed-1 created", "xdpfilter.xdpguard.io/edge-allowlist created");

        Path edited = dir.resolve("block-cidrs.yaml");
        Files.writeString(edited, Files.readString(EXAMPLES.resolve("block-cidrs.yaml"))
                .replace("        - 2001:db8:bad::/48\n", "").replace("priority: 100", "priority: 90"));
        Kubectl.Result second = kubectl.run("apply", "-f", edited.toString());
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.stdout()).contains("xdpfilter.xdpguard.io/block-abusers configured");

        GenericKubernetesResource filter = xdpFilter("block-abusers");
        assertThat(filter.getMetadata().getGeneration()).isEqualTo(2L);
        Map<String, Object> spec = filter.get("spec");
        assertThat(spec).containsEntry("priority", 90);
        List<Map<String, Object>> rules = filter.get("spec", "rules");
        assertThat(rules.get(0).get("sources")).asInstanceOf(InstanceOfAssertFactories.LIST)
                .containsExactly("192.0.2.0/24", "198.51.100.7");

        // kubectl still sends the rules (the stored ones carry schema defaults), as against a real server; the
        // server must not store a write that changes nothing.
        Kubectl.Result again = kubectl.run("apply", "-f", edited.toString());
        assertThat(again.exitCode()).as(again.toString()).isZero();
        GenericKubernetesResource afterAgain = xdpFilter("block-abusers");
        assertThat(afterAgain.getMetadata().getGeneration()).isEqualTo(2L);
        assertThat(afterAgain.getMetadata().getResourceVersion()).isEqualTo(filter.getMetadata().getResourceVersion());
    }

    @Test
    void getShowsTheCrdPrinterColumns() throws Exception {
        assertThat(kubectl.run("apply", "-f", EXAMPLES.resolve("audit-mode.yaml").toString()).exitCode()).isZero();
        client.genericKubernetesResources("xdpguard.io/v1alpha1", "XdpFilter").withName("audit-telnet-smb")
                .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), """
                        {"status":{"ruleCount":2,"nodes":{"summary":"3/3"},
                         "conditions":[{"type":"Accepted","status":"True"},{"type":"Ready","status":"True"}]}}""");

        Kubectl.Result table = kubectl.run("get", "xdpf");
        assertThat(table.exitCode()).as(table.toString()).isZero();
        assertThat(table.stdout().lines().findFirst().orElseThrow().split("\\s+"))
                .containsExactly("NAME", "AGE", "MODE", "ACCEPTED", "READY", "ENFORCING", "RULES");
        assertThat(table.stdout()).containsPattern("audit-telnet-smb\\s+\\d+s\\s+Audit\\s+True\\s+True\\s+3/3\\s+2");
        client.resource(Serialization.unmarshal("""
                {"apiVersion":"xdpguard.io/v1alpha1","kind":"XdpFilter","metadata":{"name":"defaults-only"},
                 "spec":{"interfaces":{"include":["eth0"]},"rules":[{"name":"r","action":"Drop"}]}}""",
                GenericKubernetesResource.class)).create();
        assertThat(kubectl.run("get", "xdpf", "defaults-only").stdout())
                .as("the CRD schema default of enforcement").containsPattern("defaults-only\\s+\\d+s\\s+Enforce");

        Kubectl.Result yaml = kubectl.run("get", "xdpf", "audit-telnet-smb", "-o", "yaml");
        assertThat(yaml.exitCode()).as(yaml.toString()).isZero();
        assertThat(yaml.stdout()).contains("kind: XdpFilter", "name: audit-telnet-smb", "ruleCount: 2",
                "kubectl.kubernetes.io/last-applied-configuration").doesNotContain("namespace: null");
    }

    @Test
    void listsNodesAndSetsAndRemovesALabel() throws Exception {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("n1")
                .addToLabels("kubernetes.io/os", "linux").endMetadata().build()).create();

        Kubectl.Result nodes = kubectl.run("get", "nodes");
        assertThat(nodes.exitCode()).as(nodes.toString()).isZero();
        assertThat(nodes.stdout()).containsPattern("NAME\\s+AGE").containsPattern("n1\\s+\\d+s");

        Kubectl.Result label = kubectl.run("label", "node", "n1", "role=edge", "--overwrite");
        assertThat(label.exitCode()).as(label.toString()).isZero();
        assertThat(client.nodes().withName("n1").get().getMetadata().getLabels())
                .containsEntry("role", "edge").containsEntry("kubernetes.io/os", "linux");

        Kubectl.Result unlabel = kubectl.run("label", "node", "n1", "role-");
        assertThat(unlabel.exitCode()).as(unlabel.toString()).isZero();
        assertThat(client.nodes().withName("n1").get().getMetadata().getLabels())
                .doesNotContainKey("role").containsKey("kubernetes.io/os");
    }

    @Test
    void deletesAFilterAndReportsItGone() throws Exception {
        assertThat(kubectl.run("apply", "-f", EXAMPLES.resolve("ratelimit-dns.yaml").toString()).exitCode()).isZero();

        Kubectl.Result delete = kubectl.run("delete", "xdpf", "dns-ratelimit");
        assertThat(delete.exitCode()).as(delete.toString()).isZero();
        assertThat(delete.stdout()).contains("\"dns-ratelimit\" deleted");

        Kubectl.Result get = kubectl.run("get", "xdpf", "dns-ratelimit");
        assertThat(get.exitCode()).isNotZero();
        assertThat(get.stderr()).contains("xdpfilters.xdpguard.io \"dns-ratelimit\" not found");
    }

    @Test
    void listsTheCrds() throws Exception {
        Kubectl.Result crds = kubectl.run("get", "crd");
        assertThat(crds.exitCode()).as(crds.toString()).isZero();
        assertThat(crds.stdout()).contains("xdpfilters.xdpguard.io", "xdpcidrsets.xdpguard.io",
                "xdpnodestates.xdpguard.io");
    }

    @Test
    void theRequestLogShowsKubectlWithItsOutcome() throws Exception {
        kubectl.run("get", "xdpf", "no-such-filter");

        assertThat(server.requests().count(r -> r.userAgent().startsWith("kubectl/")
                && r.path().equals("/apis/xdpguard.io/v1alpha1/xdpfilters/no-such-filter") && r.status() == 404))
                .isEqualTo(1);
    }

    private static GenericKubernetesResource xdpFilter(String name) {
        return client.genericKubernetesResources("xdpguard.io/v1alpha1", "XdpFilter").withName(name).get();
    }
}
