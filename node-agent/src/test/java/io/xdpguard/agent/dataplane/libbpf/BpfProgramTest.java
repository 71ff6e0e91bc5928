package io.xdpguard.agent.dataplane.libbpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RequiresBpf.class)
class BpfProgramTest {

    /** A 64-byte Ethernet/IPv4/UDP frame. */
    static byte[] packet64() {
        byte[] p = new byte[64];
        byte[] dst = {0x02, 0, 0, 0, 0, 0x01};
        byte[] src = {0x02, 0, 0, 0, 0, 0x02};
        System.arraycopy(dst, 0, p, 0, 6);
        System.arraycopy(src, 0, p, 6, 6);
        p[12] = 0x08; // IPv4
        p[14] = 0x45;
        p[16] = 0;
        p[17] = 50; // total length
        p[22] = 64; // ttl
        p[23] = 17; // UDP
        p[26] = 10; p[27] = 0; p[28] = 0; p[29] = 1;
        p[30] = 10; p[31] = 0; p[32] = 0; p[33] = 2;
        return p;
    }

    @Test
    void xdpDropDropsAndXdpPassPasses() {
        try (BpfObjectFile drop = BpfObjectFile.open(TestObjects.xdpDrop());
                BpfObjectFile pass = BpfObjectFile.open(TestObjects.xdpPass())) {
            drop.load();
            pass.load();
            BpfProgram dropProg = drop.program("xdp_drop");
            TestRunResult r = dropProg.testRun(packet64(), 1);
            assertThat(r.retval()).isEqualTo(1);
            assertThat(r.xdpAction()).contains(XdpAction.DROP);
            assertThat(r.dataOut()).hasSize(64);

            TestRunResult p = pass.program("xdp_pass").testRun(packet64(), 100);
            assertThat(p.xdpAction()).contains(XdpAction.PASS);
            assertThat(p.dataOut()).isEqualTo(packet64());
            assertThat(p.durationNs()).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void programInfoAndLookupById() {
        try (BpfObjectFile drop = BpfObjectFile.open(TestObjects.xdpDrop())) {
            drop.load();
            BpfProgram prog = drop.program("xdp_drop");
            assertThat(prog.fd()).isPositive();
            assertThat(prog.id()).isPositive();
            assertThat(prog.typeId()).isEqualTo(6); // BPF_PROG_TYPE_XDP
            assertThat(prog.tag()).matches("[0-9a-f]{16}").isNotEqualTo("0000000000000000");
            assertThat(prog.name()).isEqualTo("xdp_drop");
            assertThat(drop.program("xdp_drop")).isSameAs(prog);
            assertThat(BpfProgram.listIds()).contains(prog.id());

            try (BpfProgram byId = BpfProgram.fromId(prog.id())) {
                assertThat(byId.fd()).isNotEqualTo(prog.fd());
                assertThat(byId.tag()).isEqualTo(prog.tag());
                assertThat(byId.name()).isEqualTo("xdp_drop");
                assertThat(byId.testRun(packet64(), 1).xdpAction()).contains(XdpAction.DROP);
            }
            assertThatThrownBy(() -> drop.program("no_such_prog"))
                    .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.isNotFound()).isTrue());
        }
    }

    @Test
    void closedObjectInvalidatesItsPrograms() {
        BpfProgram prog;
        try (BpfObjectFile drop = BpfObjectFile.open(TestObjects.xdpDrop())) {
            drop.load();
            prog = drop.program("xdp_drop");
        }
        assertThatThrownBy(prog::fd).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> prog.testRun(packet64(), 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void liveFramesRunTheProgramRepeatTimes() {
        try (BpfObjectFile obj = BpfObjectFile.open(TestObjects.mapsTest())) {
            obj.load();
            BpfMap runs = obj.map("test_percpu");
            byte[] zero = new byte[4];
            int lo = NetInterfaces.requireIndex("lo");
            TestRunResult r = obj.program("xdp_verdict").testRunLiveFrames(packet64(), 1000, lo, 64);
            assertThat(r.retval()).isZero();
            assertThat(r.dataOut()).isEmpty();
            long total = Arrays.stream(runs.lookupPerCpu(zero).orElseThrow())
                    .mapToLong(v -> Integer.toUnsignedLong(MapBytes.u32(v)))
                    .sum();
            assertThat(total).isEqualTo(1000);
        }
    }

    @Test
    void rejectsTooShortPackets() {
        try (BpfObjectFile drop = BpfObjectFile.open(TestObjects.xdpDrop())) {
            drop.load();
            assertThatThrownBy(() -> drop.program("xdp_drop").testRun(new byte[10], 1))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void openMissingFileFailsWithEnoent() {
        assertThatThrownBy(() -> BpfObjectFile.open(Path.of("/no/such/file.bpf.o")))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.operation()).isEqualTo("bpf_object__open_file");
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.getMessage()).startsWith("bpf_object__open_file(/no/such/file.bpf.o): errno 2 (ENOENT");
                });
    }
}
