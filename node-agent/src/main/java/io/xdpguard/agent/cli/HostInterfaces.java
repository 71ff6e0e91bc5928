package io.xdpguard.agent.cli;

import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.List;

/** The names of this host's network interfaces (in the agent's network namespace). */
final class HostInterfaces {
    private HostInterfaces() {
    }

    static List<String> names() {
        try {
            return Collections.list(NetworkInterface.getNetworkInterfaces()).stream().map(NetworkInterface::getName)
                    .sorted().toList();
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list network interfaces: " + e.getMessage(), e);
        }
    }
}
