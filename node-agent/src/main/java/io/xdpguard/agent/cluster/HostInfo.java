package io.xdpguard.agent.cluster;

import io.xdpguard.agent.dataplane.libbpf.NetInterfaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the agent reads from its host besides the dataplane: interface names, kernel release, bpffs. */
public interface HostInfo {
    /** Names of the host's network interfaces, sorted, with or without addresses; throws when they cannot be listed. */
    List<String> interfaceNames();

    String kernelVersion();

    boolean bpffsMounted();

    /** The real host (hostNetwork: the pod sees the node's interfaces). */
    static HostInfo local() {
        return new HostInfo() {
            @Override
            public List<String> interfaceNames() {
                return NetInterfaces.names();
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
