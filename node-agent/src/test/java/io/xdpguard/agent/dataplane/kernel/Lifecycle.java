package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.InterfacePlan;
import io.xdpguard.agent.dataplane.libbpf.Bpffs;
import io.xdpguard.agent.dataplane.libbpf.NetInterfaces;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.RuleMerger;
import io.xdpguard.agent.dataplane.testing.Commands;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import io.xdpguard.api.v1alpha1.spec.AttachMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Shared fixtures of the lifecycle tests: veth + netns, UDP traffic, bpffs roots, plans, child JVMs. */
final class Lifecycle {
    static final int ALLOWED_PORT = 5000;
    static final int DENIED_PORT = 5001;

    private Lifecycle() {
    }

    // ---- processes ------------------------------------------------------------------------------------------------

    static String sh(String... cmd) {
        return Commands.run(List.of(cmd), 60);
    }

    static String tryRun(List<String> cmd, int timeoutSeconds) {
        return Commands.tryRun(cmd, timeoutSeconds);
    }

    // ---- network --------------------------------------------------------------------------------------------------

    /**
     * A veth pair in the root namespace whose peer is moved into its own netns: traffic sent from the netns arrives
     * on {@link #name} (where xdpguard attaches) for {@link #hostIp}.
     */
    static final class TestNet implements AutoCloseable {
        final String name;
        final String peer;
        final String ns;
        final String hostIp;
        final String peerIp;
        final int ifindex;

        TestNet() {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            String hex = Integer.toHexString(r.nextInt(0x100000, 0xffffff));
            name = "xgl" + hex;
            peer = "xgl" + hex + "p";
            ns = "xgl" + hex;
            String net = "10." + r.nextInt(200, 250) + "." + r.nextInt(0, 255) + ".";
            hostIp = net + "1";
            peerIp = net + "2";
            sh("ip", "netns", "add", ns);
            try {
                sh("ip", "link", "add", name, "type", "veth", "peer", "name", peer);
                sh("ip", "link", "set", peer, "netns", ns);
                sh("ip", "addr", "add", hostIp + "/24", "dev", name);
                sh("ip", "link", "set", name, "up");
                sh("ip", "-n", ns, "addr", "add", peerIp + "/24", "dev", peer);
                sh("ip", "-n", ns, "link", "set", peer, "up");
                sh("ip", "-n", ns, "link", "set", "lo", "up");
            } catch (RuntimeException e) {
                close();
                throw e;
            }
            ifindex = NetInterfaces.requireIndex(name);
        }

        /** Runs a command inside the netns (nsenter keeps /sys/fs/bpf visible, unlike ip netns exec). */
        String inNs(String script, int timeoutSeconds) {
            return tryRun(List.of("nsenter", "--net=/run/netns/" + ns, "bash", "-c", script), timeoutSeconds);
        }

        /** Sends {@code count} UDP datagrams to hostIp:port from the netns. */
        void sendUdp(int port, int count) {
            String out = inNs("for i in $(seq 1 " + count + "); do echo x >/dev/udp/" + hostIp + "/" + port
                    + "; done", 60);
            if (out.startsWith("!")) {
                throw new IllegalStateException(out);
            }
        }

        /**
         * Starts a flow alternating allowed and denied datagrams for {@code seconds}; the future yields how many of
         * each were sent.
         */
        CompletableFuture<Long> flow(double seconds) {
            return CompletableFuture.supplyAsync(() -> {
                long ms = (long) (seconds * 1000);
                String out = inNs("end=$(( $(date +%s%3N) + " + ms + " )); n=0; while [ $(date +%s%3N) -lt $end ]; do "
                        + "for j in 1 2 3 4 5 6 7 8 9 10; do echo a >/dev/udp/" + hostIp + "/" + ALLOWED_PORT
                        + "; echo d >/dev/udp/" + hostIp + "/" + DENIED_PORT + "; done; n=$((n+10)); done; echo $n",
                        (int) seconds + 60);
                if (out.startsWith("!")) {
                    throw new IllegalStateException(out);
                }
                return Long.parseLong(out.trim());
            });
        }

        /** Pings hostIp from the netns; null when answered, else ping's output. */
        String ping() {
            String out = inNs("ping -c 2 -W 1 " + hostIp, 10);
            return out.startsWith("!") ? out : null;
        }

        @Override
        public void close() {
            tryRun(List.of("ip", "link", "del", name), 30);
            tryRun(List.of("ip", "netns", "del", ns), 30);
        }
    }

    // ---- bpffs and plans ------------------------------------------------------------------------------------------

    /** A fresh directory on the default bpffs for one test's root. */
    static Path bpffsRoot() throws IOException {
        Bpffs.ensureMounted(Bpffs.DEFAULT_ROOT);
        Path root = Bpffs.DEFAULT_ROOT.resolve("xdpguard-test-" + Integer.toHexString(
                ThreadLocalRandom.current().nextInt(0x100000, 0xffffff)));
        Files.createDirectories(root);
        return root;
    }

    /** Removes everything of a test root: programs of ours detached, pins removed. */
    static void cleanRoot(Path root) {
        if (root == null) {
            return;
        }
        try (KernelDataplane dp = new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(root)
                .withAdoptOrphans(false))) {
            dp.removeAll();
        } catch (RuntimeException ignored) {
            // best effort; the directory goes below
        }
        if (Bpffs.isMounted(root)) {
            Bpffs.removeRecursively(root);
        }
    }

    /** A plan for {@code iface} dropping UDP to {@code deniedPort}, passing everything else. */
    static InterfacePlan plan(String iface, AttachMode mode, int deniedPort) {
        try {
            var rules = RuleMerger.merge(List.of(Filters.filter("lc", """
                    interfaces: {include: [%s]}
                    rules:
                      - {name: deny-%d, action: Drop, protocol: UDP, ports: ["%d"]}
                      - {name: count-allowed, action: Pass, protocol: UDP, ports: ["%d"]}
                    """.formatted(iface, deniedPort, deniedPort, deniedPort == DENIED_PORT ? ALLOWED_PORT
                    : DENIED_PORT))), Map.of(), FailsafeConfig.disabled());
            return new InterfacePlan(iface, mode, rules, "deny-" + deniedPort);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A dataplane on a test root; orphan adoption off, so it never reaches beyond the test's own pins. */
    static KernelDataplane dataplane(Path root) {
        return new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(root).withAdoptOrphans(false));
    }

    /** The classifier compiled with -DXG_BUILD_VARIANT=1: other bytes, same maps. */
    static ObjectBytes variantObject() throws IOException {
        Path file = variantObjectFile();
        try {
            return ObjectBytes.of(file);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(file.getParent());
        }
    }

    /** The variant object in a new temporary directory; the caller deletes both. */
    static Path variantObjectFile() throws IOException {
        Path repo = repoRoot();
        Path dir = Files.createTempDirectory("xdpguard-variant");
        Path out = dir.resolve("xdpguard.bpf.o");
        String arch = System.getProperty("os.arch").equals("aarch64") ? "aarch64" : "x86_64";
        String result = tryRun(List.of(System.getenv().getOrDefault("CLANG", "clang"), "-O2", "-g", "-target", "bpf",
                "-Wall", "-DXG_BUILD_VARIANT=1", "-I" + repo.resolve("bpf/include"), "-I/usr/include/" + arch
                        + "-linux-gnu", "-c", repo.resolve("bpf/src/xdpguard.bpf.c").toString(), "-o", out.toString()),
                120);
        if (result.startsWith("!")) {
            RequiresBpf.skipOrFail("cannot compile the variant object: " + result);
        }
        return out;
    }

    static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("bpf/src"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the checkout root");
    }

    // ---- child JVMs -----------------------------------------------------------------------------------------------

    /** A child JVM running {@link LifecycleChild}; its stdout lines are collected. */
    static final class Child implements AutoCloseable {
        final Process process;
        private final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());

        Child(String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-cp", System.getProperty("java.class.path"), LifecycleChild.class.getName()));
            cmd.addAll(List.of(args));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            Thread t = new Thread(() -> {
                try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // process gone
                }
            });
            t.setDaemon(true);
            t.start();
        }

        /** Waits for a line starting with {@code prefix}; returns the rest. */
        String await(String prefix, int seconds) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                synchronized (lines) {
                    for (String l : lines) {
                        if (l.startsWith(prefix)) {
                            return l.substring(prefix.length()).trim();
                        }
                    }
                }
                if (!process.isAlive() && lines.stream().noneMatch(l -> l.startsWith(prefix))) {
                    Thread.sleep(200);
                    synchronized (lines) {
                        if (lines.stream().noneMatch(l -> l.startsWith(prefix))) {
                            throw new IllegalStateException("child exited " + process.exitValue() + " without "
                                    + prefix + ":\n" + String.join("\n", lines));
                        }
                    }
                }
                Thread.sleep(50);
            }
            throw new IllegalStateException("no " + prefix + " within " + seconds + "s:\n" + String.join("\n", lines));
        }

        String output() {
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }

        int killAndWait() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL on Linux
            return process.waitFor();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
