package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.testing.UdpReceiver;
import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.cli.AgentCommand;
import io.xdpguard.agent.dataplane.libbpf.XdpAttachment;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * `xdpguard-agent standalone` on a real veth with real traffic: a directory of filters applied, changed, broken
 * (the last good rules stay enforced), fixed, emptied (detached); then `cleanup` leaves nothing behind.
 */
@ExtendWith(RequiresBpf.class)
class StandaloneTrafficTest {
    private static final int PORT_A = 5100;
    private static final int PORT_B = 5101;

    @TempDir
    Path configDir;

    private Lifecycle.TestNet net;
    private Path root;
    private final StringWriter output = new StringWriter();
    private CompletableFuture<Integer> agent;
    private Thread agentThread;

    @BeforeEach
    void setUp() throws Exception {
        net = new Lifecycle.TestNet();
        root = Lifecycle.bpffsRoot();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agentThread != null) {
            agentThread.interrupt();
            agentThread.join(5000);
        }
        Lifecycle.cleanRoot(root);
        net.close();
    }

    @Test
    void filesAppliedChangedBrokenFixedAndRemovedWithTraffic() throws Exception {
        writeFilter(PORT_A, "\"" + PORT_A + "\"");
        startAgent();
        awaitDropping(PORT_A, PORT_B);

        writeFilter(PORT_B, "\"" + PORT_B + "\"");
        awaitDropping(PORT_B, PORT_A);

        writeFilter(PORT_A, "\"70000\"");
        await(() -> output.toString().contains("spec.rules[0].ports[0]: \"70000\" is not a port (1-65535)"));
        Thread.sleep(1000);
        assertDelivered(PORT_B, 0);
        assertDelivered(PORT_A, 10);

        writeFilter(PORT_A, "\"" + PORT_A + "\"");
        awaitDropping(PORT_A, PORT_B);

        Files.delete(configDir.resolve("filter.yaml"));
        await(() -> XdpAttachment.query(net.ifindex).progId() == 0);
        assertDelivered(PORT_A, 10);

        writeFilter(PORT_A, "\"" + PORT_A + "\"");
        awaitDropping(PORT_A, PORT_B);
        StringWriter refused = new StringWriter();
        CommandLine second = new CommandLine(new AgentCommand());
        second.setOut(new PrintWriter(refused, true));
        second.setErr(new PrintWriter(refused, true));
        assertThat(second.execute("cleanup", "--bpffs-root", root.toString())).as("%s", refused).isEqualTo(4);
        assertThat(refused.toString()).contains("another xdpguard agent manages the pins under " + root)
                .contains("pid " + ProcessHandle.current().pid());
        StringWriter busy = new StringWriter();
        CommandLine once = new CommandLine(new AgentCommand());
        once.setOut(new PrintWriter(busy, true));
        once.setErr(new PrintWriter(busy, true));
        assertThat(once.execute("standalone", "--config-dir", configDir.toString(), "--bpffs-root", root.toString(),
                "--no-failsafe", "--once")).as("%s", busy).isEqualTo(5);
        assertThat(busy.toString()).contains("another xdpguard agent manages the pins under " + root);
        assertDelivered(PORT_A, 0);

        agentThread.interrupt();
        agentThread.join(5000);
        StringWriter cleanup = new StringWriter();
        CommandLine cli = new CommandLine(new AgentCommand());
        cli.setOut(new PrintWriter(cleanup));
        assertThat(cli.execute("cleanup", "--bpffs-root", root.toString())).isZero();
        assertThat(Files.exists(root.resolve("xdpguard"))).as("pins left: %s", cleanup).isFalse();
    }

    private void startAgent() {
        agentThread = new Thread(() -> {
            CommandLine cli = new CommandLine(new AgentCommand());
            cli.setOut(new PrintWriter(output, true));
            cli.setErr(new PrintWriter(output, true));
            cli.execute("standalone", "--config-dir", configDir.toString(), "--bpffs-root", root.toString(),
                    "--interval-ms", "300", "--no-failsafe");
        }, "standalone");
        agentThread.setDaemon(true);
        agentThread.start();
    }

    private void writeFilter(int port, String portYaml) throws Exception {
        Files.writeString(configDir.resolve("filter.yaml"), """
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpFilter
                metadata: {name: standalone-test}
                spec:
                  interfaces: {include: ["%s"]}
                  rules:
                    - {name: deny-%d, action: Drop, protocol: UDP, ports: [%s]}
                """.formatted(net.name, port, portYaml));
    }

    /** Waits until datagrams to {@code denied} are dropped while those to {@code allowed} get through. */
    private void awaitDropping(int denied, int allowed) throws Exception {
        await(() -> delivered(denied, 5) == 0 && delivered(allowed, 5) == 5);
        assertDelivered(denied, 0);
        assertDelivered(allowed, 10);
    }

    private void assertDelivered(int port, long expected) throws Exception {
        assertThat(delivered(port, 10)).as("datagrams to port %d delivered; agent output:%n%s", port, output)
                .isEqualTo(expected);
    }

    private long delivered(int port, int count) {
        try (UdpReceiver receiver = new UdpReceiver(net.hostIp, port)) {
            net.sendUdp(port, count);
            return receiver.settled();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 20 s; agent output:%n%s", output).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
