package io.xdpguard.agent.dataplane.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** When the agent may mount bpffs itself: only where the mount reaches the host (read from mountinfo). */
class BpffsMountTest {
    private static final Path BPFFS = Path.of("/sys/fs/bpf");

    @Test
    void aContainerMountReceivingButNotSendingMountsIsRefused() {
        // mountPropagation: HostToContainer (rslave): the hostPath at /sys/fs/bpf is a slave of the host's /sys/fs/bpf
        String container = """
                1510 1400 0:350 / / rw,relatime master:510 - overlay overlay rw
                1520 1510 0:22 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro
                1530 1520 8:1 /sys/fs/bpf /sys/fs/bpf rw,relatime master:7 - ext4 /dev/sda1 rw
                """;
        assertThat(Bpffs.whyAMountWouldStayLocal(container, BPFFS, false)).startsWith("/sys/fs/bpf receives");
        assertThat(Bpffs.whyAMountWouldStayLocal(container, BPFFS.resolve("xdpguard"), false))
                .startsWith("/sys/fs/bpf receives");
    }

    @Test
    void sharedAndPrivateMountsAreAllowed() {
        // Bidirectional (rshared): shared with the host's peer group
        String bidirectional = """
                1510 1400 0:350 / / rw,relatime master:510 - overlay overlay rw
                1530 1510 8:1 /sys/fs/bpf /sys/fs/bpf rw,relatime shared:7 master:7 - ext4 /dev/sda1 rw
                """;
        assertThat(Bpffs.whyAMountWouldStayLocal(bidirectional, BPFFS, true)).isNull();
        // a host's own namespace: systemd's shared mounts, or a minimal VM's private ones
        String host = """
                26 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
                22 26 0:21 / /sys rw,relatime shared:7 - sysfs sysfs rw
                """;
        assertThat(Bpffs.whyAMountWouldStayLocal(host, BPFFS, true)).isNull();
        String privateHost = """
                26 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
                22 26 0:21 / /sys rw,relatime - sysfs sysfs rw
                """;
        assertThat(Bpffs.whyAMountWouldStayLocal(privateHost, BPFFS, false)).isNull();
    }

    @Test
    void theDeepestMountAboveThePathDecides() {
        String mountinfo = """
                26 1 8:1 / / rw,relatime master:1 - ext4 /dev/sda1 rw
                22 26 0:21 / /sys rw,relatime shared:7 - sysfs sysfs rw
                40 22 0:30 / /sys/fs/bpf\\040old rw,relatime master:9 - bpf bpf rw
                """;
        assertThat(Bpffs.whyAMountWouldStayLocal(mountinfo, BPFFS, false)).isNull();
        assertThat(Bpffs.whyAMountWouldStayLocal(mountinfo, Path.of("/sys/fs/bpf old/x"), false))
                .startsWith("/sys/fs/bpf old receives");
        assertThat(Bpffs.whyAMountWouldStayLocal(mountinfo, Path.of("/var/lib"), false)).startsWith("/ receives");
    }

    @Test
    void aPrivateMountInANamespaceOfThisProcessAloneIsRefused() {
        // ip netns exec: a mount namespace for the command alone, /sys a fresh private sysfs (named after the netns)
        String ipNetnsExec = """
                45 44 254:0 / / rw,relatime - ext4 /dev/vda rw
                48 45 0:39 / /sys rw,relatime - sysfs walkns rw
                """;
        assertThat(Bpffs.whyAMountWouldStayLocal(ipNetnsExec, BPFFS, true))
                .contains("no other process uses this mount namespace").contains("nsenter --net");
        assertThat(Bpffs.whyAMountWouldStayLocal(ipNetnsExec, BPFFS, false)).as("the host's own").isNull();
    }

    @Test
    void thisTestSharesItsMountNamespaceWithTheRestOfTheHost() {
        assertThat(Bpffs.aloneInMountNamespace()).isFalse();
    }
}
