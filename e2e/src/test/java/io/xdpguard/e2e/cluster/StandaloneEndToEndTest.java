package io.xdpguard.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent without Kubernetes, as the built jar runs it on a host: it filters real traffic on a node's ext0, serves
 * readiness, metrics and the drop samples of its sampled rules, and {@code cleanup} leaves nothing behind.
 */
@Tag("e2e")
class StandaloneEndToEndTest {
    private static final int PINGS = 10;
    private static final String ROOT = SimulatedKubelet.BPFFS_ROOTS + "/standalone";

    @TempDir
    Path configDir;
    @TempDir
    Path logs;

    @Test
    void filtersServesItsDropSamplesAndCleansUp() throws Exception {
        if (!SimulatedNetwork.insideApiNamespace()) {
            RequiresBpf.skipOrFail("the e2e tests need root: their JVM runs in the API namespace that "
                    + "e2e/src/main/sh/in-api-netns.sh creates");
        }
        RequiresBpf.require();
        Binaries binaries = Binaries.ofCheckout();
        Files.createDirectories(Path.of(ROOT));
        Files.writeString(configDir.resolve("block.yaml"), """
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpFilter
                metadata:
                  name: block-client
                spec:
                  interfaces: {include: [ext0]}
                  rules:
                    - {name: blocked, action: Drop, sources: ["%s/32"], sampleRate: 1}
                """.formatted(SimulatedNetwork.blockedClient(1)));
        String ns = SimulatedNetwork.nodeNamespace(1);
        try (SimulatedNetwork network = SimulatedNetwork.create(1);
                ManagedProcess agent = ManagedProcess.start("standalone", Host.inNetns(ns, binaries.agentCommand(
                        "standalone", "--config-dir", configDir.toString(), "--bpffs-root", ROOT, "--no-failsafe",
                        "--interval-ms", "500")), Map.of(), logs.resolve("standalone.log"))) {
            HttpEndpoint endpoint = HttpEndpoint.agent(1, 9402);
            endpoint.awaitReady(agent);

            assertThat(Traffic.ping(SimulatedNetwork.allowedClient(1), SimulatedNetwork.externalAddress(1), PINGS))
                    .isEqualTo(PINGS);
            assertThat(Traffic.ping(SimulatedNetwork.blockedClient(1), SimulatedNetwork.externalAddress(1), PINGS))
                    .isZero();
            Waits.until("the drops sampled", Duration.ofSeconds(10),
                    () -> endpoint.drops().contains(SimulatedNetwork.blockedClient(1)) ? Boolean.TRUE : null);
            assertThat(endpoint.drops()).contains("\"filter\":\"block-client\"").contains("\"interfaceName\":\"ext0\"");
            assertThat(endpoint.metrics()).containsPattern("(?m)^xdpguard_drop_samples_total ([1-9]\\d*)\\.0$");
            assertThat(endpoint.counter("xdpguard_interface_packets_total", "reason=\"samples_lost\""))
                    .as("a ring nobody reads would lose them").isZero();
            agent.stop();
            assertThat(Traffic.ping(SimulatedNetwork.blockedClient(1), SimulatedNetwork.externalAddress(1), PINGS))
                    .as("a stopped agent leaves its rules in force").isZero();

            String cleanup = Host.runIn(ns, binaries.agentCommand("cleanup", "--bpffs-root", ROOT).toArray(String[]::new));
            assertThat(cleanup).contains("detached xdpguard program").contains("removed " + ROOT + "/xdpguard");
            assertThat(Traffic.ping(SimulatedNetwork.blockedClient(1), SimulatedNetwork.externalAddress(1), PINGS))
                    .isEqualTo(PINGS);
        } finally {
            Host.tryRun("rm", "-rf", ROOT);
        }
    }
}
