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
        assertThat(Bpffs.localOnlyMount(container, BPFFS)).isEqualTo("/sys/fs/bpf");
        assertThat(Bpffs.localOnlyMount(container, BPFFS.resolve("xdpguard"))).isEqualTo("/sys/fs/bpf");
    }

    @Test
    void sharedAndPrivateMountsAreAllowed() {
        // Bidirectional (rshared): shared with the host's peer group
        String bidirectional = """
                1510 1400 0:350 / / rw,relatime master:510 - overlay overlay rw
                1530 1510 8:1 /sys/fs/bpf /sys/fs/bpf rw,relatime shared:7 master:7 - ext4 /dev/sda1 rw
                """;
        assertThat(Bpffs.localOnlyMount(bidirectional, BPFFS)).isNull();
        // a host's own namespace: systemd's shared mounts, or a minimal VM's private ones
        String host = """
                26 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
                22 26 0:21 / /sys rw,relatime shared:7 - sysfs sysfs rw
                """;
        assertThat(Bpffs.localOnlyMount(host, BPFFS)).isNull();
        String privateHost = """
                26 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
                22 26 0:21 / /sys rw,relatime - sysfs sysfs rw
                """;
        assertThat(Bpffs.localOnlyMount(privateHost, BPFFS)).isNull();
    }

    @Test
    void theDeepestMountAboveThePathDecides() {
        String mountinfo = """
                26 1 8:1 / / rw,relatime master:1 - ext4 /dev/sda1 rw
                22 26 0:21 / /sys rw,relatime shared:7 - sysfs sysfs rw
                40 22 0:30 / /sys/fs/bpf\\040old rw,relatime master:9 - bpf bpf rw
                """;
        assertThat(Bpffs.localOnlyMount(mountinfo, BPFFS)).isNull();
        assertThat(Bpffs.localOnlyMount(mountinfo, Path.of("/sys/fs/bpf old/x"))).isEqualTo("/sys/fs/bpf old");
        assertThat(Bpffs.localOnlyMount(mountinfo, Path.of("/var/lib"))).isEqualTo("/");
    }
}
