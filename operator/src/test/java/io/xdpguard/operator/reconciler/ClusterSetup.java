package io.xdpguard.operator.reconciler;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.xdpguard.operator.testing.Fixtures;
import java.io.File;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Before the operator starts: the CRDs (as committed by the crds module) and four Ready nodes, one of them Windows,
 * written with the User-Agent {@value #USER_AGENT} (not the operator's, whose calls XdpFilterOperatorTest records).
 */
public class ClusterSetup implements Consumer<KubernetesServer> {
    static final String USER_AGENT = "xdpguard-test-setup";

    @Override
    public void accept(KubernetesServer server) {
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(server.getClient().getConfiguration()).withUserAgent(USER_AGENT).build())
                .build()) {
            setUp(client);
        }
    }

    private static void setUp(KubernetesClient client) {
        for (String crd : new String[] {"xdpfilters", "xdpcidrsets", "xdpnodestates"}) {
            File file = new File("../crds/manifests/" + crd + ".xdpguard.io-v1.yml");
            client.apiextensions().v1().customResourceDefinitions()
                    .resource(client.getKubernetesSerialization().unmarshal(readString(file), CustomResourceDefinition.class))
                    .create();
        }
        client.nodes().resource(Fixtures.node("edge-1", Map.of("role", "edge"))).create();
        client.nodes().resource(Fixtures.node("edge-2", Map.of("role", "edge"))).create();
        client.nodes().resource(Fixtures.node("db-1", Map.of("role", "db"))).create();
        // A Windows node a filter's selector matches: tainted os=windows as usual, which tolerate-all tolerates.
        client.nodes().resource(Fixtures.tainted(Fixtures.node("win-1",
                Map.of("role", "edge", "kubernetes.io/os", "windows")), "os", "NoSchedule")).create();
    }

    private static String readString(File file) {
        try {
            return java.nio.file.Files.readString(file.toPath());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
