package io.xdpguard.agent.dataplane.libbpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RequiresBpf.class)
class LibbpfTest {

    @Test
    void availableWithVersionOneOrLater() {
        assertThat(Libbpf.isAvailable()).isTrue();
        assertThat(Libbpf.unavailabilityCause()).isNull();
        Libbpf.ensureAvailability();
        assertThat(Libbpf.version()).matches("[1-9]\\d*\\.\\d+");
    }

    @Test
    void interfaceNamesAndIndexes() {
        int lo = NetInterfaces.requireIndex("lo");
        assertThat(lo).isPositive();
        assertThat(NetInterfaces.nameOf(lo)).contains("lo");
        assertThat(NetInterfaces.indexOf("xg-no-such0")).isEmpty();
        assertThat(NetInterfaces.indexOf("a-name-longer-than-15")).isEmpty();
        assertThat(NetInterfaces.nameOf(Integer.MAX_VALUE - 1)).isEmpty();
        assertThatThrownBy(() -> NetInterfaces.requireIndex("xg-no-such0"))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENODEV);
                    assertThat(e.getMessage()).isEqualTo("if_nametoindex(xg-no-such0): errno 19 (ENODEV: No such device)");
                });
    }

    @Test
    void bpffsMountDetection() {
        Bpffs.ensureMounted(Bpffs.DEFAULT_ROOT);
        assertThat(Bpffs.isMounted(Bpffs.DEFAULT_ROOT)).isTrue();
        assertThat(Bpffs.isMounted(Path.of("/proc"))).isFalse();
        assertThat(Bpffs.isMounted(Path.of("/no/such/dir"))).isFalse();
        assertThat(Bpffs.pinPath(Bpffs.DEFAULT_ROOT, "xg_rules")).isEqualTo(Path.of("/sys/fs/bpf/xg_rules"));
        assertThatThrownBy(() -> Bpffs.pinPath(Bpffs.DEFAULT_ROOT, "../etc")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void possibleCpuParsing() {
        assertThat(BpfMap.PossibleCpus.parse("0\n")).isEqualTo(1);
        assertThat(BpfMap.PossibleCpus.parse("0-3\n")).isEqualTo(4);
        assertThat(BpfMap.PossibleCpus.parse("0,2-5,7")).isEqualTo(6);
        assertThat(BpfMap.possibleCpus()).isGreaterThanOrEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void exceptionMessageAndPredicates() {
        BpfException e = new BpfException("bpf_map_update_elem", "xg_rules", Errno.E2BIG);
        assertThat(e.getMessage()).isEqualTo("bpf_map_update_elem(xg_rules): errno 7 (E2BIG: Argument list too long)");
        assertThat(e.operation()).isEqualTo("bpf_map_update_elem");
        assertThat(e.target()).isEqualTo("xg_rules");
        assertThat(BpfException.of("bpf_xdp_attach", "eth0", -Errno.EEXIST).isAlreadyExists()).isTrue();
        assertThat(BpfException.of("x", null, -Errno.ENOENT).isNotFound()).isTrue();
        assertThat(BpfException.of("x", null, -Errno.EBUSY).isBusy()).isTrue();
        assertThat(BpfException.of("x", null, -Errno.EPERM).isPermissionDenied()).isTrue();
        assertThat(BpfException.of("x", null, -Errno.ENOTSUPP).isNotSupported()).isTrue();
        assertThat(BpfException.of("x", null, -Errno.ENOTSUPP).getMessage()).contains("ENOTSUPP");
        assertThat(BpfException.of("bpf_object__load", "o", -4007).getMessage())
                .isEqualTo("bpf_object__load(o): errno 4007 (LIBBPF_ERRNO__VERIFY: Kernel verifier blocks program loading)");
    }
}
