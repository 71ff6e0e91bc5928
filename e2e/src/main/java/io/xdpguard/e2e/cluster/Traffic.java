package io.xdpguard.e2e.cluster;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Real packets from the client namespace to the nodes' filtered interfaces. */
public final class Traffic {
    private static final Pattern RECEIVED = Pattern.compile("(\\d+) received");

    private Traffic() {
    }

    /** Sends {@code count} ICMP echo requests from {@code source} to {@code destination}; returns how many were answered. */
    public static int ping(String source, String destination, int count) {
        String out = Host.tryRunIn(SimulatedNetwork.CLIENT_NAMESPACE, 30, "ping", "-n", "-q", "-c", String.valueOf(count),
                "-i", "0.02", "-W", "1", "-I", source, destination);
        Matcher m = RECEIVED.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("unexpected ping output: " + out);
        }
        return Integer.parseInt(m.group(1));
    }
}
