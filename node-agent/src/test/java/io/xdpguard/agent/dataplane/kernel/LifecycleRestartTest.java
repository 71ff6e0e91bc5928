package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.testing.AttachWatch;
import io.xdpguard.agent.dataplane.testing.UdpReceiver;
import static io.xdpguard.agent.dataplane.kernel.Lifecycle.ALLOWED_PORT;
import static io.xdpguard.agent.dataplane.kernel.Lifecycle.DENIED_PORT;
import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.InterfaceReport;
import io.xdpguard.agent.dataplane.InterfaceReport.State;
import io.xdpguard.agent.dataplane.libbpf.XdpAttachment;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import io.xdpguard.api.v1alpha1.spec.AttachMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Agent processes killed (SIGKILL) or crashing (halt at a {@link CrashPoint}) in child JVMs: filtering never pauses,
 * the old rule set stays in force until the new one is complete, the next process finishes the change.
 */
@ExtendWith(RequiresBpf.class)
class LifecycleRestartTest {
    private Path root;
    private Lifecycle.TestNet net;

    @BeforeEach
    void setUp() throws Exception {
        root = Lifecycle.bpffsRoot();
        net = new Lifecycle.TestNet();
    }

    @AfterEach
    void tearDown() {
        Lifecycle.cleanRoot(root);
        if (net != null) {
            net.close();
        }
    }

    private Lifecycle.Child child(int deniedPort, String crashAt, String then) throws Exception {
        return new Lifecycle.Child(root.toString(), net.name, String.valueOf(deniedPort), "Auto", crashAt, then);
    }

    private Lifecycle.Child child(int deniedPort, String crashAt, Path object) throws Exception {
        return new Lifecycle.Child(root.toString(), net.name, String.valueOf(deniedPort), "Auto", crashAt, "exit",
                object.toString());
    }

    private static int attachedId(int ifindex) {
        XdpAttachment.Status st = XdpAttachment.query(ifindex);
        return st.drvProgId() != 0 ? st.drvProgId() : st.skbProgId();
    }

    /** {allowed received, denied received} for 20 datagrams of each. */
    private long[] traffic() throws Exception {
        try (UdpReceiver allowed = new UdpReceiver(net.hostIp, ALLOWED_PORT);
                UdpReceiver denied = new UdpReceiver(net.hostIp, DENIED_PORT)) {
            net.sendUdp(ALLOWED_PORT, 20);
            net.sendUdp(DENIED_PORT, 20);
            return new long[] {allowed.settled(), denied.settled()};
        }
    }

    @Test
    void sigkillAndRestartUnderTrafficNeverLetsADeniedPacketThrough() throws Exception {
        try (UdpReceiver allowed = new UdpReceiver(net.hostIp, ALLOWED_PORT);
                UdpReceiver denied = new UdpReceiver(net.hostIp, DENIED_PORT);
                Lifecycle.Child first = child(DENIED_PORT, "-", "hold")) {
            String applied = first.await("APPLIED", 60);
            int progId = Integer.parseInt(applied.split(" ")[0]);
            assertThat(applied).contains("ENFORCING");

            AttachWatch watch = new AttachWatch(net.ifindex);
            CompletableFuture<Long> flow = net.flow(6);
            Thread.sleep(1500);
            int exit = first.killAndWait();
            assertThat(exit).as("SIGKILL").isEqualTo(137);
            Thread.sleep(500); // traffic with no agent at all
            try (Lifecycle.Child second = child(DENIED_PORT, "-", "hold")) {
                String again = second.await("APPLIED", 60);
                assertThat(Integer.parseInt(again.split(" ")[0])).as("adopted, not reloaded").isEqualTo(progId);
                assertThat(second.output()).contains("adopted program " + progId);
                long sent = flow.get(90, TimeUnit.SECONDS);
                Set<Integer> seen = watch.stop();

                assertThat(seen).as("attached program ids polled %d times", watch.polls()).containsExactly(progId);
                assertThat(denied.settled()).as("denied datagrams delivered, of %d sent", sent).isZero();
                assertThat(allowed.settled()).as("allowed datagrams delivered").isEqualTo(sent);
                assertThat(sent).isGreaterThan(100);
                second.killAndWait();

                // counters continued over both processes: every denied datagram of the flow was counted once
                try (KernelDataplane reader = Lifecycle.dataplane(root)) {
                    var counters = reader.counters(net.name).orElseThrow().rules();
                    assertThat(counters.get("lc/deny-" + DENIED_PORT).packets()).isEqualTo(sent);
                    assertThat(counters.get("lc/count-allowed").packets()).isEqualTo(sent);
                }
            }
        }
    }

    @Test
    void aCrashWhilePreparingKeepsTheOldRulesAndTheNextStartCompletesTheChange() throws Exception {
        try (Lifecycle.Child first = child(DENIED_PORT, "-", "exit")) {
            assertThat(first.await("APPLIED", 60)).contains("ENFORCING");
            assertThat(first.process.waitFor()).isZero();
        }
        int progId = attachedId(net.ifindex);
        try (Lifecycle.Child crashing = child(ALLOWED_PORT, "slot-written", "exit")) {
            crashing.await("CRASHING", 60);
            assertThat(crashing.process.waitFor()).isEqualTo(137);
        }
        assertThat(attachedId(net.ifindex)).isEqualTo(progId);
        long[] received = traffic();
        assertThat(received[0]).as("old rules: %d passes", ALLOWED_PORT).isEqualTo(20);
        assertThat(received[1]).as("old rules: %d dropped", DENIED_PORT).isZero();

        try (KernelDataplane next = Lifecycle.dataplane(root)) {
            InterfaceReport r = next.apply(List.of(Lifecycle.plan(net.name, AttachMode.Auto, ALLOWED_PORT))).get(0);
            assertThat(r.state()).isEqualTo(State.ENFORCING);
            assertThat(r.programId()).isEqualTo(progId);
            received = traffic();
            assertThat(received[0]).as("new rules: %d dropped", ALLOWED_PORT).isZero();
            assertThat(received[1]).as("new rules: %d passes", DENIED_PORT).isEqualTo(20);
        }
    }

    @Test
    void aCrashRightAfterTheSwitchIsNotMistakenForTheOldSet() throws Exception {
        try (Lifecycle.Child first = child(DENIED_PORT, "-", "exit")) {
            assertThat(first.await("APPLIED", 60)).contains("ENFORCING");
            first.process.waitFor();
        }
        try (Lifecycle.Child crashing = child(ALLOWED_PORT, "switched", "exit")) {
            crashing.await("CRASHING", 60);
            assertThat(crashing.process.waitFor()).isEqualTo(137);
        }
        assertThat(traffic()[0]).as("the new set is in force after the switch").isZero();
        // going back to the first plan must rewrite: xg_owner said "unknown", not "deny-5001"
        try (KernelDataplane next = Lifecycle.dataplane(root)) {
            next.apply(List.of(Lifecycle.plan(net.name, AttachMode.Auto, DENIED_PORT)));
            long[] received = traffic();
            assertThat(received[0]).isEqualTo(20);
            assertThat(received[1]).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"upgrade-loaded", "upgrade-replaced"})
    void aCrashDuringAnUpgradeNeverUnfiltersAndTheNextStartFinishesIt(String crashAt) throws Exception {
        try (Lifecycle.Child first = child(DENIED_PORT, "-", "exit")) {
            assertThat(first.await("APPLIED", 60)).contains("ENFORCING");
            first.process.waitFor();
        }
        int oldId = attachedId(net.ifindex);
        Path variant = Lifecycle.variantObjectFile();
        try {
            AttachWatch watch = new AttachWatch(net.ifindex);
            try (Lifecycle.Child crashing = child(DENIED_PORT, crashAt, variant)) {
                crashing.await("CRASHING", 60);
                assertThat(crashing.process.waitFor()).isEqualTo(137);
            }
            Path dir = root.resolve("xdpguard/v1/if" + net.ifindex);
            assertThat(java.nio.file.Files.exists(dir.resolve("prog_new"))).as("left behind by the crash").isTrue();
            int afterCrash = attachedId(net.ifindex);
            assertThat(afterCrash == oldId).isEqualTo(crashAt.equals("upgrade-loaded"));
            long[] received = traffic();
            assertThat(received[0]).isEqualTo(20);
            assertThat(received[1]).isZero();

            try (KernelDataplane next = new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(root)
                    .withAdoptOrphans(false).withObject(ObjectBytes.of(variant)))) {
                assertThat(next.startupLog()).anyMatch(l -> l.contains("adopted program " + afterCrash));
                InterfaceReport r = next.apply(List.of(Lifecycle.plan(net.name, AttachMode.Auto, DENIED_PORT))).get(0);
                assertThat(r.state()).isEqualTo(State.ENFORCING);
                assertThat(r.programId()).isNotEqualTo(oldId).isEqualTo(attachedId(net.ifindex));
                assertThat(java.nio.file.Files.exists(dir.resolve("prog_new"))).isFalse();
                try (var pinned = io.xdpguard.agent.dataplane.libbpf.BpfProgram.openPinned(dir.resolve("prog"))) {
                    assertThat(pinned.id()).isEqualTo(r.programId());
                }
            }
            assertThat(watch.stop()).as("never unfiltered").doesNotContain(0);
            received = traffic();
            assertThat(received[0]).isEqualTo(20);
            assertThat(received[1]).isZero();
        } finally {
            java.nio.file.Files.deleteIfExists(variant);
            java.nio.file.Files.deleteIfExists(variant.getParent());
        }
    }
}
