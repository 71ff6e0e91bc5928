package io.xdpguard.e2e.cluster;

import io.xdpguard.agent.dataplane.testing.Commands;
import java.util.ArrayList;
import java.util.List;

/** Host commands of the simulated cluster: `ip` and `nsenter` into its network namespaces. */
final class Host {
    private static final int TIMEOUT_SECONDS = 30;

    private Host() {
    }

    static String run(String... cmd) {
        return Commands.run(List.of(cmd), TIMEOUT_SECONDS);
    }

    /** Output of {@code cmd}, prefixed by "!" when it failed. */
    static String tryRun(String... cmd) {
        return Commands.tryRun(List.of(cmd), TIMEOUT_SECONDS);
    }

    /** Runs {@code cmd} in network namespace {@code ns}, in the host's mount namespace (so /sys/fs/bpf is the host's). */
    static List<String> inNetns(String ns, List<String> cmd) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + ns, "--"));
        full.addAll(cmd);
        return full;
    }

    static String runIn(String ns, String... cmd) {
        return Commands.run(inNetns(ns, List.of(cmd)), TIMEOUT_SECONDS);
    }

    /** Output of {@code cmd} in {@code ns}, prefixed by "!" when it failed (e.g. a ping that got no reply). */
    static String tryRunIn(String ns, int timeoutSeconds, String... cmd) {
        return Commands.tryRun(inNetns(ns, List.of(cmd)), timeoutSeconds);
    }
}
