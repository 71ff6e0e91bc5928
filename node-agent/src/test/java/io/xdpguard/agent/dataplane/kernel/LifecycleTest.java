package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.testing.AttachWatch;
import io.xdpguard.agent.dataplane.testing.UdpReceiver;
import static io.xdpguard.agent.dataplane.kernel.Lifecycle.ALLOWED_PORT;
import static io.xdpguard.agent.dataplane.kernel.Lifecycle.DENIED_PORT;
import static io.xdpguard.agent.dataplane.kernel.Lifecycle.plan;
import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.InterfaceReport;
import io.xdpguard.agent.dataplane.InterfaceReport.State;
import io.xdpguard.agent.dataplane.libbpf.BpfMap;
import io.xdpguard.agent.dataplane.libbpf.BpfObjectFile;
import io.xdpguard.agent.dataplane.libbpf.BpfProgram;
import io.xdpguard.agent.dataplane.libbpf.Bpffs;
import io.xdpguard.agent.dataplane.libbpf.XdpAttachment;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import io.xdpguard.api.v1alpha1.spec.AttachMode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** KernelDataplane against the real kernel: attach, adoption, upgrade, conflicts, removal, rebuild. */
@ExtendWith(RequiresBpf.class)
class LifecycleTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private Path root;
    private Lifecycle.TestNet net;

    @BeforeEach
    void setUp() throws Exception {
        root = Lifecycle.bpffsRoot();
        net = new Lifecycle.TestNet();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception ignored) {
                // keep cleaning
            }
        }
        Lifecycle.cleanRoot(root);
        if (net != null) {
            net.close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    private KernelDataplane dataplane() {
        return track(Lifecycle.dataplane(root));
    }

    /** Sends 20 allowed and 20 denied datagrams; returns {allowed received, denied received}. */
    private long[] traffic() throws Exception {
        try (UdpReceiver allowed = new UdpReceiver(net.hostIp, ALLOWED_PORT);
                UdpReceiver denied = new UdpReceiver(net.hostIp, DENIED_PORT)) {
            net.sendUdp(ALLOWED_PORT, 20);
            net.sendUdp(DENIED_PORT, 20);
            return new long[] {allowed.settled(), denied.settled()};
        }
    }

    private static int attachedId(int ifindex) {
        XdpAttachment.Status st = XdpAttachment.query(ifindex);
        return st.drvProgId() != 0 ? st.drvProgId() : st.skbProgId();
    }

    private int generation(KernelDataplane dp) throws Exception {
        try (BpfMap active = BpfMap.openPinned(dp.interfaceDir(net.ifindex).resolve("xg_active"))) {
            return java.nio.ByteBuffer.wrap(active.lookup(new byte[4]).orElseThrow())
                    .order(java.nio.ByteOrder.nativeOrder()).getInt(4);
        }
    }

    @ParameterizedTest
    @EnumSource(AttachMode.class)
    void attachesInEachModeAndFiltersRealTraffic(AttachMode mode) throws Exception {
        KernelDataplane dp = dataplane();
        InterfaceReport r = dp.apply(List.of(plan(net.name, mode, DENIED_PORT))).get(0);

        assertThat(r.state()).as(r.toString()).isEqualTo(State.ENFORCING);
        assertThat(r.programId()).isEqualTo(attachedId(net.ifindex)).isPositive();
        assertThat(r.attachMode()).isEqualTo(mode == AttachMode.Generic ? "Generic" : "Native");
        XdpAttachment.Status st = XdpAttachment.query(net.ifindex);
        assertThat(mode == AttachMode.Generic ? st.skbProgId() : st.drvProgId()).isEqualTo(r.programId());
        assertThat(r.ruleCount()).isEqualTo(2);
        assertThat(r.ruleSetId()).isEqualTo("deny-" + DENIED_PORT);
        assertThat(Files.exists(dp.interfaceDir(net.ifindex).resolve("prog"))).isTrue();
        assertThat(Files.exists(dp.interfaceDir(net.ifindex).resolve("xg_owner"))).isTrue();

        long[] received = traffic();
        assertThat(received[0]).as("allowed datagrams received").isEqualTo(20);
        assertThat(received[1]).as("denied datagrams received").isZero();
        Dataplane.Counters counters = dp.counters(net.name).orElseThrow();
        assertThat(net.ping()).as("ICMP passes; reasons %s", counters.reasons().values().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()[0]).toList()).isNull();
        assertThat(counters.rules().get("lc/deny-" + DENIED_PORT).packets()).isEqualTo(20);
        assertThat(dp.observe()).singleElement().satisfies(o -> {
            assertThat(o.state()).isEqualTo(State.ENFORCING);
            assertThat(o.programId()).isEqualTo(r.programId());
        });
    }

    @Test
    void autoFallsBackToGenericWhereTheDriverHasNoNativeXdp() throws Exception {
        String dummy = net.name.replace("xgl", "xgb");
        Lifecycle.sh("ip", "link", "add", dummy, "type", "bridge"); // no native XDP in the bridge driver
        try {
            Lifecycle.sh("ip", "link", "set", dummy, "up");
            KernelDataplane dp = dataplane();
            InterfaceReport r = dp.apply(List.of(plan(dummy, AttachMode.Auto, DENIED_PORT))).get(0);
            assertThat(r.state()).as(r.toString()).isEqualTo(State.ENFORCING);
            assertThat(r.attachMode()).isEqualTo("Generic");
            assertThat(XdpAttachment.query(r.ifindex()).skbProgId()).isEqualTo(r.programId());
            InterfaceReport n = dp.apply(List.of(plan(net.name, AttachMode.Native, DENIED_PORT),
                    plan(dummy, AttachMode.Native, ALLOWED_PORT))).get(1);
            assertThat(n.programId()).as("keeps the generic attachment").isEqualTo(r.programId());
            assertThat(n.message()).contains("changing modes needs a detach");
            dp.removeAll();
        } finally {
            Lifecycle.tryRun(List.of("ip", "link", "del", dummy), 30);
        }
    }

    @Test
    void aRestartedDataplaneAdoptsWithoutTouchingTheKernel() throws Exception {
        KernelDataplane first = dataplane();
        int progId = (int) first.apply(List.of(plan(net.name, AttachMode.Auto, DENIED_PORT))).get(0).programId();
        traffic();
        long before = first.counters(net.name).orElseThrow().rules().get("lc/deny-" + DENIED_PORT).packets();
        assertThat(before).isEqualTo(20);
        first.close();
        assertThat(attachedId(net.ifindex)).as("attached after the agent is gone").isEqualTo(progId);

        try (AttachWatch watch = new AttachWatch(net.ifindex)) {
            KernelDataplane second = dataplane();
            assertThat(second.startupLog()).anyMatch(l -> l.contains("adopted program " + progId));
            assertThat(second.observe()).singleElement().satisfies(o -> {
                assertThat(o.state()).isEqualTo(State.ENFORCING);
                assertThat(o.programId()).isEqualTo(progId);
            });
            int generation = generation(second);
            InterfaceReport r = second.apply(List.of(plan(net.name, AttachMode.Auto, DENIED_PORT))).get(0);
            assertThat(r.state()).isEqualTo(State.ENFORCING);
            assertThat(r.programId()).isEqualTo(progId);
            assertThat(generation(second)).as("unchanged plan: no switch").isEqualTo(generation);
            assertThat(second.counters(net.name).orElseThrow().rules().get("lc/deny-" + DENIED_PORT).packets())
                    .as("counters continue").isGreaterThanOrEqualTo(before);
            traffic();
            assertThat(second.counters(net.name).orElseThrow().rules().get("lc/deny-" + DENIED_PORT).packets())
                    .isEqualTo(before + 20);

            // a changed plan after adoption: inactive slot written in full, one switch, same program
            r = second.apply(List.of(plan(net.name, AttachMode.Auto, ALLOWED_PORT))).get(0);
            assertThat(r.programId()).isEqualTo(progId);
            assertThat(generation(second)).isEqualTo(generation + 1);
            long[] received = traffic();
            assertThat(received[0]).as("now dropped").isZero();
            assertThat(received[1]).as("now passed").isEqualTo(20);
            assertThat(watch.stop()).as("attached program ids seen during the restart").containsExactly(progId);
        }
    }

    @Test
    void anUpgradeReplacesTheProgramAtomically() throws Exception {
        KernelDataplane first = dataplane();
        int oldId = (int) first.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0).programId();
        first.close();
        ObjectBytes variant = Lifecycle.variantObject();
        assertThat(variant.sha256Hex()).isNotEqualTo(ObjectBytes.shipped().sha256Hex());

        AttachWatch watch = track(new AttachWatch(net.ifindex));
        KernelDataplane upgraded = track(new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(root)
                .withObject(variant)));
        InterfaceReport r = upgraded.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0);
        Thread.sleep(50);
        Set<Integer> seen = watch.stop();

        assertThat(r.state()).as(r.toString()).isEqualTo(State.ENFORCING);
        assertThat(r.programId()).isNotEqualTo(oldId).isEqualTo(attachedId(net.ifindex));
        assertThat(r.attachMode()).isEqualTo("Generic");
        assertThat(seen).as("attached ids polled %d times during the upgrade", watch.polls())
                .doesNotContain(0).containsExactlyInAnyOrder(oldId, (int) r.programId());
        try (BpfProgram pinned = BpfProgram.openPinned(upgraded.interfaceDir(net.ifindex).resolve("prog"))) {
            assertThat(pinned.id()).isEqualTo(r.programId());
        }
        assertThat(Files.exists(upgraded.interfaceDir(net.ifindex).resolve("prog_new"))).isFalse();
        try (ClassifierMapsView owner = new ClassifierMapsView(upgraded.interfaceDir(net.ifindex))) {
            assertThat(owner.owner().objectSha256()).isEqualTo(variant.sha256());
        }
        long[] received = traffic();
        assertThat(received[0]).isEqualTo(20);
        assertThat(received[1]).isZero();
        assertThat(upgraded.counters(net.name).orElseThrow().rules().get("lc/deny-" + DENIED_PORT).packets())
                .isEqualTo(20);

        // and back to the shipped object
        upgraded.close();
        KernelDataplane downgraded = dataplane();
        InterfaceReport back = downgraded.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0);
        assertThat(back.programId()).isNotEqualTo(r.programId()).isEqualTo(attachedId(net.ifindex));
    }

    /**
     * An upgrade whose new program wrote and switched the shared maps, then failed before it replaced the old program:
     * the old program enforces the new rules, and the classifier left in charge must know it (the failed one hands its
     * slots, rule set and counter ids back), or the retried upgrade re-applies the rules and resets their counters.
     */
    @Test
    void anUpgradeThatFailsAfterItsSwitchLeavesTheNewRulesInForceAndCounting() throws Exception {
        KernelDataplane first = dataplane();
        int oldId = (int) first.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0).programId();
        first.close();
        java.util.concurrent.atomic.AtomicBoolean fail = new java.util.concurrent.atomic.AtomicBoolean(true);
        KernelDataplane upgraded = track(new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(root)
                .withObject(Lifecycle.variantObject()).withCrashPoint(point -> {
                    if (point.equals("upgrade-loaded") && fail.get()) {
                        throw new IllegalStateException("injected failure before the replace");
                    }
                })));

        InterfaceReport failed = upgraded.apply(List.of(plan(net.name, AttachMode.Generic, ALLOWED_PORT))).get(0);
        assertThat(failed.state()).as(failed.toString()).isEqualTo(State.FAILED);
        assertThat(attachedId(net.ifindex)).as("the old program stays attached").isEqualTo(oldId);
        long[] received = traffic();
        assertThat(received).as("the old program runs the rules the failed upgrade switched to").containsExactly(0, 20);
        int generation = generation(upgraded);

        fail.set(false);
        InterfaceReport done = upgraded.apply(List.of(plan(net.name, AttachMode.Generic, ALLOWED_PORT))).get(0);
        assertThat(done.state()).as(done.toString()).isEqualTo(State.ENFORCING);
        assertThat(done.programId()).isNotEqualTo(oldId).isEqualTo(attachedId(net.ifindex));
        assertThat(generation(upgraded)).as("the rules in force were taken as they are, not switched again")
                .isEqualTo(generation);
        assertThat(upgraded.counters(net.name).orElseThrow().rules().get("lc/deny-" + ALLOWED_PORT).packets())
                .as("the drops counted since the failed upgrade").isEqualTo(20);
    }

    @Test
    void aForeignProgramIsLeftAloneAndReported() throws Exception {
        BpfObjectFile pass = track(openClasspathObject("/io/xdpguard/bpf/xdp_pass.bpf.o"));
        pass.load();
        BpfProgram foreign = pass.program("xdp_pass");
        XdpAttachment.attach(net.ifindex, foreign, XdpAttachment.Mode.GENERIC);

        KernelDataplane dp = dataplane();
        InterfaceReport r = dp.apply(List.of(plan(net.name, AttachMode.Auto, DENIED_PORT))).get(0);
        assertThat(r.state()).isEqualTo(State.CONFLICT);
        assertThat(r.conflict().programId()).isEqualTo(foreign.id());
        assertThat(r.conflict().programName()).isEqualTo("xdp_pass");
        assertThat(attachedId(net.ifindex)).isEqualTo(foreign.id());
        assertThat(Files.exists(dp.interfaceDir(net.ifindex))).isFalse();
        assertThat(traffic()[1]).as("nothing of ours filters").isEqualTo(20);
        dp.removeAll();
        assertThat(attachedId(net.ifindex)).as("cleanup leaves foreign programs alone").isEqualTo(foreign.id());

        // explicit opt-in: atomic take-over
        KernelDataplane taker = track(new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(root)
                .withTakeOverForeign(true)));
        InterfaceReport t = taker.apply(List.of(plan(net.name, AttachMode.Auto, DENIED_PORT))).get(0);
        assertThat(t.state()).isEqualTo(State.ENFORCING);
        assertThat(t.attachMode()).isEqualTo("Generic");
        assertThat(attachedId(net.ifindex)).isEqualTo(t.programId());
        assertThat(traffic()[1]).isZero();
    }

    @Test
    void removedPlansAndRemoveAllLeaveNothingBehind() throws Exception {
        try (Lifecycle.TestNet other = new Lifecycle.TestNet()) {
            KernelDataplane dp = dataplane();
            List<InterfaceReport> reports = dp.apply(List.of(plan(net.name, AttachMode.Auto, DENIED_PORT),
                    plan(other.name, AttachMode.Generic, DENIED_PORT)));
            assertThat(reports).extracting(InterfaceReport::state).containsOnly(State.ENFORCING);
            List<Integer> mapIds = mapIds(dp.interfaceDir(other.ifindex));
            int otherProg = (int) reports.get(1).programId();

            dp.apply(List.of(plan(net.name, AttachMode.Auto, DENIED_PORT)));
            assertThat(attachedId(other.ifindex)).as("released interface").isZero();
            assertThat(Files.exists(dp.interfaceDir(other.ifindex))).isFalse();
            assertThat(dp.observe()).extracting(InterfaceReport::name).containsExactly(net.name);
            awaitGone(List.of(otherProg), mapIds);

            List<Integer> mainMaps = mapIds(dp.interfaceDir(net.ifindex));
            int mainProg = attachedId(net.ifindex);
            dp.close();
            KernelDataplane fresh = dataplane(); // removeAll also finds pins it did not adopt itself
            List<String> removed = fresh.removeAll().removed();
            assertThat(removed).anyMatch(l -> l.contains("detached xdpguard program " + mainProg));
            assertThat(attachedId(net.ifindex)).isZero();
            assertThat(Files.exists(root.resolve("xdpguard"))).isFalse();
            awaitGone(List.of(mainProg), mainMaps);
        }
    }

    @Test
    void aSecondAgentOnTheSamePinsIsRefusedUntilTheFirstStops() throws Exception {
        KernelDataplane first = dataplane();
        InterfaceReport r = first.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0);
        KernelDataplane second = dataplane();

        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> second.apply(List.of(plan(net.name, AttachMode.Generic, ALLOWED_PORT))))
                .isInstanceOf(io.xdpguard.agent.dataplane.libbpf.BpffsLock.HeldException.class)
                .hasMessageContaining("another xdpguard agent manages the pins under " + root)
                .hasMessageContaining("pid " + ProcessHandle.current().pid());
        assertThat(traffic()).as("the first agent's rules stay").containsExactly(20, 0);

        first.close(); // as its process exits: the kernel drops the lock
        InterfaceReport adopted = second.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0);
        assertThat(adopted.state()).isEqualTo(State.ENFORCING);
        assertThat(adopted.programId()).as("adopted, not replaced").isEqualTo(r.programId());
    }

    @Test
    void cleanupThatCannotRemoveEverythingSaysWhatIsLeftAndExitsNonZero() throws Exception {
        KernelDataplane dp = dataplane();
        assertThat(dp.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0).state())
                .isEqualTo(State.ENFORCING);
        dp.close();
        Path busy = root.resolve("xdpguard/busy");
        Files.createDirectories(busy);
        Lifecycle.sh("mount", "-t", "tmpfs", "xdpguard-test", busy.toString()); // rmdir of a mount point: EBUSY
        try {
            java.io.StringWriter out = new java.io.StringWriter();
            java.io.StringWriter err = new java.io.StringWriter();
            picocli.CommandLine cli = new picocli.CommandLine(new io.xdpguard.agent.cli.AgentCommand());
            cli.setOut(new java.io.PrintWriter(out, true));
            cli.setErr(new java.io.PrintWriter(err, true));

            assertThat(cli.execute("cleanup", "--bpffs-root", root.toString())).as("%s%s", out, err).isEqualTo(4);
            assertThat(err.toString()).contains("cannot remove " + busy).contains("cleanup is incomplete");
            assertThat(out.toString()).contains("detached xdpguard program").doesNotContain("removed " + root);
            assertThat(attachedId(net.ifindex)).as("the program is detached all the same").isZero();
        } finally {
            Lifecycle.tryRun(List.of("umount", busy.toString()), 30);
        }
    }

    @Test
    void cleanupOfAPathThatIsNoBpffsSaysSoInsteadOfFindingNothing() {
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new io.xdpguard.agent.cli.AgentCommand());
        cli.setOut(new java.io.PrintWriter(new java.io.StringWriter(), true));
        cli.setErr(new java.io.PrintWriter(err, true));
        Path typo = Path.of("/tmp/xdpguard-test-no-bpffs-" + Integer.toHexString(ThreadLocalRandom.current().nextInt()));

        assertThat(cli.execute("cleanup", "--bpffs-root", typo.toString())).as("%s", err).isEqualTo(4);
        assertThat(err.toString()).contains(typo + " is not a bpffs mount");
        assertThat(Files.exists(typo)).as("nothing is mounted or created there").isFalse();
    }

    @Test
    void observeTellsTheTruthAfterAnOutsideDetachAndApplyReattaches() throws Exception {
        KernelDataplane dp = dataplane();
        int id = (int) dp.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0).programId();
        Lifecycle.sh("ip", "link", "set", "dev", net.name, "xdpgeneric", "off");
        assertThat(dp.observe()).singleElement().satisfies(o -> {
            assertThat(o.state()).isEqualTo(State.FAILED);
            assertThat(o.programId()).isZero();
            assertThat(o.message()).contains("no longer attached");
        });
        InterfaceReport r = dp.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0);
        assertThat(r.state()).isEqualTo(State.ENFORCING);
        assertThat(r.programId()).isEqualTo(id).isEqualTo(attachedId(net.ifindex));
        assertThat(traffic()[1]).isZero();
    }

    @Test
    void aVanishedInterfaceIsForgottenAndUnpinned() throws Exception {
        KernelDataplane dp = dataplane();
        int id = (int) dp.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0).programId();
        Path dir = dp.interfaceDir(net.ifindex);
        List<Integer> maps = mapIds(dir);
        Lifecycle.sh("ip", "link", "del", net.name);
        assertThat(dp.observe()).isEmpty();
        assertThat(Files.exists(dir)).isFalse();
        awaitGone(List.of(id), maps);
        assertThat(dp.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT)))).singleElement()
                .extracting(InterfaceReport::state).isEqualTo(State.ABSENT);
    }

    @Test
    void aRenamedInterfaceIsKept() throws Exception {
        KernelDataplane dp = dataplane();
        int id = (int) dp.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0).programId();
        String renamed = net.name.replace("xgl", "xgr");
        Lifecycle.sh("ip", "link", "set", "dev", net.name, "down");
        Lifecycle.sh("ip", "link", "set", "dev", net.name, "name", renamed);
        Lifecycle.sh("ip", "link", "set", "dev", renamed, "up");
        try {
            // A plan made before the rename names the old name: nothing is released meanwhile.
            assertThat(dp.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT)))).singleElement()
                    .extracting(InterfaceReport::state).isEqualTo(State.ABSENT);
            assertThat(attachedId(net.ifindex)).as("still attached").isEqualTo(id);

            InterfaceReport r = dp.apply(List.of(plan(renamed, AttachMode.Generic, DENIED_PORT))).get(0);
            assertThat(r.programId()).isEqualTo(id);
            assertThat(r.name()).isEqualTo(renamed);
            try (ClassifierMapsView v = new ClassifierMapsView(dp.interfaceDir(net.ifindex))) {
                assertThat(v.owner().ifname()).isEqualTo(renamed);
            }
        } finally {
            Lifecycle.tryRun(List.of("ip", "link", "del", renamed), 30);
        }
    }

    @Test
    void aProgramWhosePinsWereLostIsReplacedAtomicallyAndCleanedUp() throws Exception {
        KernelDataplane first = dataplane();
        int lostId = (int) first.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0).programId();
        first.close();
        Bpffs.removeRecursively(root.resolve("xdpguard")); // as if bpffs had been remounted empty
        assertThat(attachedId(net.ifindex)).isEqualTo(lostId);
        try (BpfProgram lost = BpfProgram.fromId(lostId)) {
            List<String> names = new ArrayList<>();
            for (int id : lost.mapIds()) {
                try (BpfMap m = BpfMap.fromId(id)) {
                    names.add(m.name());
                }
            }
            assertThat(names).as("metadata maps bound to the program").contains("xg_owner", "xg_counter_keys");
        }

        AttachWatch watch = track(new AttachWatch(net.ifindex));
        KernelDataplane second = track(new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(root)));
        InterfaceReport r = second.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0);
        Thread.sleep(50);
        assertThat(r.state()).as(r.toString()).isEqualTo(State.ENFORCING);
        assertThat(r.message()).contains("pins were lost");
        assertThat(watch.stop()).doesNotContain(0).containsExactlyInAnyOrder(lostId, (int) r.programId());
        assertThat(traffic()[1]).isZero();

        second.close();
        Bpffs.removeRecursively(root.resolve("xdpguard"));
        try (KernelDataplane cleaner = new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(root))) {
            assertThat(cleaner.removeAll().removed()).anyMatch(l -> l.contains("detached unpinned xdpguard program "
                    + r.programId()));
        }
        assertThat(attachedId(net.ifindex)).isZero();
    }

    @Test
    void bpffsIsMountedWhereConfigured() throws Exception {
        Path mountPoint = Path.of("/tmp/xgfs-" + Integer.toHexString(ThreadLocalRandom.current().nextInt()));
        assertThat(Bpffs.isMounted(mountPoint)).isFalse();
        try {
            KernelDataplane dp = track(Lifecycle.dataplane(mountPoint));
            InterfaceReport r = dp.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0);
            assertThat(r.state()).isEqualTo(State.ENFORCING);
            assertThat(Bpffs.isMounted(mountPoint)).isTrue();
            assertThat(Files.exists(mountPoint.resolve("xdpguard/v1/if" + net.ifindex + "/prog"))).isTrue();
            dp.removeAll();
        } finally {
            Lifecycle.tryRun(List.of("umount", mountPoint.toString()), 30);
            Files.deleteIfExists(mountPoint);
        }
    }

    /** The pin of {@code map} as an agent that applied the plan and stopped left it. */
    private Path pinLeftByAnEarlierAgent(String map) throws Exception {
        KernelDataplane first = dataplane();
        first.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT)));
        first.close();
        return Lifecycle.dataplane(root).interfaceDir(net.ifindex).resolve(map);
    }

    /** libbpf refuses to reuse a pin whose flags differ: the agent must rebuild, not fail every apply. */
    @Test
    void aPinnedMapDifferingOnlyInItsFlagsIsRebuilt() throws Exception {
        Path pin = pinLeftByAnEarlierAgent("xg_counter_keys");
        int keySize;
        int valueSize;
        int maxEntries;
        int flags;
        try (BpfMap pinned = BpfMap.openPinned(pin)) {
            keySize = pinned.keySize();
            valueSize = pinned.valueSize();
            maxEntries = pinned.maxEntries();
            flags = pinned.mapFlags();
        }
        assertThat(flags & 1).as("BPF_F_NO_PREALLOC, as maps.h declares it").isEqualTo(1);
        Files.delete(pin);
        Lifecycle.sh("bpftool", "map", "create", pin.toString(), "type", "hash", "key", String.valueOf(keySize),
                "value", String.valueOf(valueSize), "entries", String.valueOf(maxEntries), "name", "xg_counter_keys",
                "flags", String.valueOf(flags & ~1));

        KernelDataplane second = dataplane();
        assertThat(second.startupLog()).anyMatch(l -> l.contains("incompatible") && l.contains("xg_counter_keys"));
        InterfaceReport r = second.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0);
        assertThat(r.state()).as(r.toString()).isEqualTo(State.ENFORCING);
        assertThat(traffic()[1]).as("denied datagrams received").isZero();
        second.close();
    }

    /** Same sizes, another ABI version in xg_owner: the values may mean other things, so the maps are rebuilt. */
    @Test
    void pinsOfAnotherAbiVersionAreRebuilt() throws Exception {
        Path pin = pinLeftByAnEarlierAgent("xg_owner");
        byte[] zero = new byte[4];
        try (BpfMap owner = BpfMap.openPinned(pin)) {
            byte[] value = owner.lookup(zero).orElseThrow();
            java.nio.ByteBuffer.wrap(value).order(java.nio.ByteOrder.nativeOrder()).putInt(8, ClassifierMaps.ABI_VERSION - 1);
            owner.update(zero, value);
        }

        KernelDataplane second = dataplane();
        assertThat(second.startupLog()).anyMatch(l -> l.contains("incompatible")
                && l.contains("ABI version " + (ClassifierMaps.ABI_VERSION - 1)));
        InterfaceReport r = second.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0);
        assertThat(r.state()).as(r.toString()).isEqualTo(State.ENFORCING);
        assertThat(traffic()[1]).as("denied datagrams received").isZero();
        second.close();
        try (BpfMap owner = BpfMap.openPinned(pin)) {
            assertThat(ClassifierMaps.readOwner(owner).orElseThrow().abiVersion()).isEqualTo(ClassifierMaps.ABI_VERSION);
        }
    }

    @Test
    void incompatiblePinnedMapsAreRebuiltWithoutAGap() throws Exception {
        KernelDataplane first = dataplane();
        int oldId = (int) first.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0).programId();
        traffic();
        first.close();
        Path dir = Lifecycle.dataplane(root).interfaceDir(net.ifindex);
        // a pin that no longer matches the object (as if another version had created it)
        Files.delete(dir.resolve("xg_counter_keys"));
        Lifecycle.sh("bpftool", "map", "create", dir.resolve("xg_counter_keys").toString(), "type", "hash", "key", "4",
                "value", "256", "entries", "100", "name", "xg_counter_keys", "flags", "1");

        AttachWatch watch = track(new AttachWatch(net.ifindex));
        KernelDataplane second = dataplane();
        assertThat(second.startupLog()).anyMatch(l -> l.contains("incompatible"));
        InterfaceReport r = second.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0);
        Thread.sleep(50);
        Set<Integer> seen = watch.stop();
        assertThat(r.state()).as(r.toString()).isEqualTo(State.ENFORCING);
        assertThat(r.programId()).isNotEqualTo(oldId);
        assertThat(seen).doesNotContain(0).containsExactlyInAnyOrder(oldId, (int) r.programId());
        try (BpfMap keys = BpfMap.openPinned(dir.resolve("xg_counter_keys"))) {
            assertThat(keys.maxEntries()).isEqualTo(16384);
        }
        assertThat(Files.exists(root.resolve("xdpguard/v1/if" + net.ifindex + "_next"))).isFalse();
        long[] received = traffic();
        assertThat(received[0]).isEqualTo(20);
        assertThat(received[1]).isZero();
    }

    /**
     * Pins of an older object that had fewer maps (as before the IPv6 stage): the missing map makes them
     * incompatible, so the agent rebuilds all maps rather than create that one empty beside maps it takes to hold the
     * rule set in force.
     */
    @Test
    void pinsLackingAMapOfTheObjectAreRebuiltWithoutAGap() throws Exception {
        KernelDataplane first = dataplane();
        int oldId = (int) first.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0).programId();
        first.close();
        Path dir = Lifecycle.dataplane(root).interfaceDir(net.ifindex);
        Files.delete(dir.resolve("xg_src6_dir"));
        int oldConfigId;
        try (BpfMap config = BpfMap.openPinned(dir.resolve("xg_slot_config"))) {
            oldConfigId = config.id();
        }

        AttachWatch watch = track(new AttachWatch(net.ifindex));
        KernelDataplane second = dataplane();
        assertThat(second.startupLog()).anyMatch(l -> l.contains("incompatible") && l.contains("xg_src6_dir (not pinned)"));
        InterfaceReport r = second.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0);
        Thread.sleep(50);
        Set<Integer> seen = watch.stop();
        assertThat(r.state()).as(r.toString()).isEqualTo(State.ENFORCING);
        assertThat(seen).doesNotContain(0).containsExactlyInAnyOrder(oldId, (int) r.programId());
        assertThat(dir.resolve("xg_src6_dir")).exists();
        try (BpfMap config = BpfMap.openPinned(dir.resolve("xg_slot_config"))) {
            assertThat(config.id()).as("new maps, written whole, not the old ones reused").isNotEqualTo(oldConfigId);
        }
        long[] received = traffic();
        assertThat(received[0]).isEqualTo(20);
        assertThat(received[1]).isZero();
    }

    /**
     * A node restarted with other map capacities (hosts, /24 chunks, IPv6 blocks): the pinned maps no longer match, so the agent
     * rebuilds them beside the old ones and swaps the program atomically, as for an ABI change; the old program filters
     * until the replace, and the new maps carry the new sizes and the program's chunk bound with them.
     */
    @Test
    void aCapacityChangeRebuildsTheMapsWithoutAGap() throws Exception {
        KernelDataplane first = dataplane();
        int oldId = (int) first.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0).programId();
        first.close();
        Path dir = Lifecycle.dataplane(root).interfaceDir(net.ifindex);
        MapCapacities bigger = MapCapacities.perSlot(100_000, 0, 4096, 1024);

        AttachWatch watch = track(new AttachWatch(net.ifindex));
        KernelDataplane second = track(new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(root)
                .withAdoptOrphans(false).withCapacities(bigger)));
        assertThat(second.startupLog()).anyMatch(l -> l.contains("incompatible") && l.contains("xg_src4_dir24")
                && l.contains("xg_src_host") && l.contains("xg_dst6_dir"));
        InterfaceReport r = second.apply(List.of(plan(net.name, AttachMode.Generic, DENIED_PORT))).get(0);
        Thread.sleep(50);
        Set<Integer> seen = watch.stop();
        assertThat(r.state()).as(r.toString()).isEqualTo(State.ENFORCING);
        assertThat(seen).doesNotContain(0).containsExactlyInAnyOrder(oldId, (int) r.programId());
        try (BpfMap chunks = BpfMap.openPinned(dir.resolve("xg_dst4_dir24"));
                BpfMap hosts = BpfMap.openPinned(dir.resolve("xg_src_host"));
                BpfMap blocks = BpfMap.openPinned(dir.resolve("xg_dst6_dir"))) {
            assertThat(chunks.maxEntries()).isEqualTo(2 * 4096);
            assertThat(hosts.maxEntries()).isEqualTo(200_000);
            assertThat(blocks.maxEntries()).isEqualTo(2 * 1024 / 2); // buckets of four ways, at most half taken
        }
        Map<String, Dataplane.Occupancy> occupancy = second.counters(net.name).orElseThrow().occupancy();
        assertThat(occupancy.get("src_chunks").capacity()).isEqualTo(4096);
        assertThat(occupancy.get("dst_ipv6_blocks").capacity()).isEqualTo(1024);
        long[] received = traffic();
        assertThat(received[0]).isEqualTo(20);
        assertThat(received[1]).isZero();
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private static BpfObjectFile openClasspathObject(String resource) throws Exception {
        Path tmp = Files.createTempDirectory("xg-obj");
        Path file = tmp.resolve(resource.substring(resource.lastIndexOf('/') + 1));
        try (InputStream in = LifecycleTest.class.getResourceAsStream(resource)) {
            Files.copy(in, file);
        }
        BpfObjectFile o = BpfObjectFile.open(file);
        Files.delete(file);
        Files.delete(tmp);
        return o;
    }

    private static List<Integer> mapIds(Path dir) throws Exception {
        List<Integer> ids = new ArrayList<>();
        try (var list = Files.list(dir)) {
            for (Path p : list.filter(p -> p.getFileName().toString().startsWith("xg_")).toList()) {
                try (BpfMap m = BpfMap.openPinned(p)) {
                    ids.add(m.id());
                }
            }
        }
        return ids;
    }

    /** Programs and maps are freed asynchronously (RCU): polls bpftool's view for a while. */
    private static void awaitGone(List<Integer> progIds, List<Integer> mapIds) throws Exception {
        long end = System.nanoTime() + 10_000_000_000L;
        List<Integer> liveProgs;
        List<Integer> liveMaps;
        do {
            Thread.sleep(100);
            liveProgs = new ArrayList<>(BpfProgram.listIds());
            liveProgs.retainAll(progIds);
            liveMaps = new ArrayList<>(BpfMap.listIds());
            liveMaps.retainAll(mapIds);
        } while ((!liveProgs.isEmpty() || !liveMaps.isEmpty()) && System.nanoTime() < end);
        assertThat(liveProgs).as("our programs still in the kernel").isEmpty();
        assertThat(liveMaps).as("our maps still in the kernel").isEmpty();
        String progs = Lifecycle.sh("bpftool", "prog", "show");
        for (int id : progIds) {
            assertThat(progs).doesNotContainPattern("(?m)^" + id + ":");
        }
        String maps = Lifecycle.sh("bpftool", "map", "show");
        for (int id : mapIds) {
            assertThat(maps).doesNotContainPattern("(?m)^" + id + ":");
        }
    }

    /** xg_owner of a pin directory, read without adopting. */
    static final class ClassifierMapsView implements AutoCloseable {
        private final BpfMap owner;

        ClassifierMapsView(Path dir) {
            owner = BpfMap.openPinned(dir.resolve("xg_owner"));
        }

        ClassifierMaps.Owner owner() {
            byte[] v = owner.lookup(new byte[4]).orElseThrow();
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(v).order(java.nio.ByteOrder.nativeOrder());
            int n = 0;
            while (n < 16 && v[16 + n] != 0) {
                n++;
            }
            return new ClassifierMaps.Owner(b.getLong(0), b.getInt(8), b.getInt(12),
                    new String(v, 16, n, java.nio.charset.StandardCharsets.UTF_8),
                    java.util.Arrays.copyOfRange(v, 32, 64), java.util.Arrays.copyOfRange(v, 64, 96));
        }

        @Override
        public void close() {
            owner.close();
        }
    }
}
