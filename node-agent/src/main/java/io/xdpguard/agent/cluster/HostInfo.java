package io.xdpguard.agent.cluster;

import java.io.IOException;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/** What the agent reads from its host besides the dataplane: interface names, kernel release, bpffs. */
public interface HostInfo {
    /** Names of the host's network interfaces, sorted. */
    List<String> interfaceNames();

    String kernelVersion();

    boolean bpffsMounted();

    /** The real host (hostNetwork: the pod sees the node's interfaces). */
    static HostInfo local() {
        return new HostInfo() {
            @Override
            public List<String> interfaceNames() {
                try {
                    return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                            .map(NetworkInterface::getName).sorted().toList();
                } catch (SocketException e) {
                    throw new IllegalStateException("cannot list network interfaces: " + e.getMessage(), e);
                }
            }

            @Override
            public String kernelVersion() {
                try {
                    return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
                } catch (IOException e) {
                    return "unknown";
                }
            }

            @Override
            public boolean bpffsMounted() {
                try {
                    return Files.readAllLines(Path.of("/proc/mounts")).stream().map(l -> l.split(" "))
                            .anyMatch(f -> f.length > 2 && f[1].equals("/sys/fs/bpf") && f[2].equals("bpf"));
                } catch (IOException e) {
                    return false;
                }
            }
        };
    }
}
