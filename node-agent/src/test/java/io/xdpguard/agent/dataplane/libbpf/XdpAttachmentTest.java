package io.xdpguard.agent.dataplane.libbpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xdpguard.agent.dataplane.libbpf.XdpAttachment.AttachedMode;
import io.xdpguard.agent.dataplane.libbpf.XdpAttachment.Mode;
import io.xdpguard.agent.dataplane.testing.Commands;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;



/**
 * Attach / replace / detach / query on a veth pair made for each test in the root network
 * namespace (unique names, deleted in {@code @AfterEach} even on failure).
 */
@ExtendWith(RequiresBpf.class)
class XdpAttachmentTest {

    private String veth;
    private String peer;
    private int ifindex;
    private BpfObjectFile passObj;
    private BpfObjectFile dropObj;
    private BpfProgram pass;
    private BpfProgram drop;

    @BeforeEach
    void setUp() {
        if (!TestObjectsIp.available()) {
            RequiresBpf.skipOrFail("iproute2 'ip' is needed to create veth pairs");
        }
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
        veth = "xgt" + suffix;       // 9 chars
        peer = "xgt" + suffix + "p"; // 10 chars, < IFNAMSIZ
        Commands.run(List.of("ip", "link", "add", veth, "type", "veth", "peer", "name", peer), 30);
        Commands.run(List.of("ip", "link", "set", veth, "up"), 30);
        Commands.run(List.of("ip", "link", "set", peer, "up"), 30);
        ifindex = NetInterfaces.requireIndex(veth);

        passObj = BpfObjectFile.open(TestObjects.xdpPass());
        passObj.load();
        pass = passObj.program("xdp_pass");
        dropObj = BpfObjectFile.open(TestObjects.xdpDrop());
        dropObj.load();
        drop = dropObj.program("xdp_drop");
    }

    @AfterEach
    void tearDown() {
        try {
            if (veth != null) {
                // deleting one end removes the pair and whatever XDP program is attached
                Commands.tryRun(List.of("ip", "link", "del", veth), 30);
            }
        } finally {
            if (passObj != null) {
                passObj.close();
            }
            if (dropObj != null) {
                dropObj.close();
            }
        }
    }

    @Test
    void genericAttachQueryReplaceDetach() {
        assertThat(XdpAttachment.query(ifindex).mode()).isEqualTo(AttachedMode.NONE);
        assertThat(XdpAttachment.query(ifindex).isAttached()).isFalse();

        XdpAttachment.attach(ifindex, pass, Mode.GENERIC);
        XdpAttachment.Status s = XdpAttachment.query(ifindex);
        assertThat(s.mode()).isEqualTo(AttachedMode.SKB);
        assertThat(s.progId()).isEqualTo(pass.id());
        assertThat(s.skbProgId()).isEqualTo(pass.id());
        assertThat(s.progId(Mode.GENERIC)).isEqualTo(pass.id());
        assertThat(s.drvProgId()).isZero();
        assertThat(ipLinkShow()).contains("xdpgeneric");

        // something attached: UPDATE_IF_NOEXIST refuses with EBUSY
        assertThatThrownBy(() -> XdpAttachment.attachIfNone(ifindex, drop.fd(), Mode.GENERIC))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.isBusy()).isTrue();
                    assertThat(e.operation()).isEqualTo("bpf_xdp_attach");
                    assertThat(e.target()).contains(veth);
                });

        // atomic replace with the right expected program
        XdpAttachment.replace(ifindex, drop, Mode.GENERIC, pass);
        assertThat(XdpAttachment.query(ifindex).progId()).isEqualTo(drop.id());

        // replace with a wrong expected program: EEXIST, nothing changes
        assertThatThrownBy(() -> XdpAttachment.attach(ifindex, pass.fd(), Mode.GENERIC, OptionalInt.of(pass.fd())))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EEXIST);
                    assertThat(e.isAlreadyExists()).isTrue();
                });
        assertThat(XdpAttachment.query(ifindex).progId()).isEqualTo(drop.id());

        // detach expecting the wrong program: EEXIST, still attached
        assertThatThrownBy(() -> XdpAttachment.detach(ifindex, Mode.GENERIC, OptionalInt.of(pass.fd())))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EEXIST);
                    assertThat(e.operation()).isEqualTo("bpf_xdp_detach");
                });
        assertThat(XdpAttachment.query(ifindex).isAttached()).isTrue();

        XdpAttachment.detach(ifindex, Mode.GENERIC, OptionalInt.of(drop.fd()));
        XdpAttachment.Status after = XdpAttachment.query(ifindex);
        assertThat(after.mode()).isEqualTo(AttachedMode.NONE);
        assertThat(after.progId()).isZero();
        assertThat(after.skbProgId()).isZero();
        assertThat(ipLinkShow()).doesNotContain("xdp");

        // detaching when nothing is attached is not an error
        XdpAttachment.detach(ifindex, Mode.GENERIC);
        assertThat(XdpAttachment.query(ifindex).isAttached()).isFalse();
        // and attachIfNone now works
        XdpAttachment.attachIfNone(ifindex, pass.fd(), Mode.GENERIC);
        assertThat(XdpAttachment.query(ifindex).progId()).isEqualTo(pass.id());
        XdpAttachment.detach(ifindex, Mode.GENERIC);
    }

    @Test
    void nativeAttachOnVeth() {
        XdpAttachment.attach(ifindex, pass, Mode.NATIVE);
        XdpAttachment.Status s = XdpAttachment.query(ifindex);
        assertThat(s.mode()).isEqualTo(AttachedMode.DRV);
        assertThat(s.progId()).isEqualTo(pass.id());
        assertThat(s.drvProgId()).isEqualTo(pass.id());
        assertThat(s.skbProgId()).isZero();
        assertThat(ipLinkShow()).contains("xdp").doesNotContain("xdpgeneric");

        assertThatThrownBy(() -> XdpAttachment.attach(ifindex, drop.fd(), Mode.NATIVE, OptionalInt.of(drop.fd())))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
        XdpAttachment.attach(ifindex, drop.fd(), Mode.NATIVE, OptionalInt.of(pass.fd()));
        assertThat(XdpAttachment.query(ifindex).drvProgId()).isEqualTo(drop.id());

        // the attached program is found again by id (what the agent does after a restart)
        try (BpfProgram attached = BpfProgram.fromId(XdpAttachment.query(ifindex).progId())) {
            assertThat(attached.tag()).isEqualTo(drop.tag());
        }

        XdpAttachment.detach(ifindex, Mode.NATIVE);
        assertThat(XdpAttachment.query(ifindex).mode()).isEqualTo(AttachedMode.NONE);
    }

    @Test
    void attachmentOutlivesTheObjectUntilDetached() {
        XdpAttachment.attach(ifindex, drop, Mode.GENERIC);
        int id = drop.id();
        dropObj.close();
        dropObj = null;
        assertThat(XdpAttachment.query(ifindex).progId()).isEqualTo(id);
        XdpAttachment.detach(ifindex, Mode.GENERIC);
        assertThat(XdpAttachment.query(ifindex).isAttached()).isFalse();
    }

    @Test
    void liveFramesOnTheVethRunTheProgram() {
        try (BpfObjectFile obj = BpfObjectFile.open(TestObjects.mapsTest())) {
            obj.load();
            obj.program("xdp_verdict").testRunLiveFrames(BpfProgramTest.packet64(), 500, ifindex, 0);
            long total = Arrays.stream(obj.map("test_percpu").lookupPerCpu(MapBytes.u32(0)).orElseThrow())
                    .mapToLong(v -> Integer.toUnsignedLong(MapBytes.u32(v))).sum();
            assertThat(total).isEqualTo(500);
        }
    }

    @Test
    void errorsNameTheInterface() {
        assertThatThrownBy(() -> XdpAttachment.attach(0x7ffffff0, pass, Mode.GENERIC))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.operation()).isEqualTo("bpf_xdp_attach");
                    assertThat(e.target()).isEqualTo("ifindex " + 0x7ffffff0);
                    assertThat(e.errno()).isEqualTo(Errno.ENODEV);
                });
        assertThatThrownBy(() -> XdpAttachment.attach(ifindex, pass.fd(), Mode.GENERIC, OptionalInt.of(0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private String ipLinkShow() {
        return Commands.run(List.of("ip", "link", "show", "dev", veth), 30);
    }

    /** Whether {@code ip} is usable. */
    static final class TestObjectsIp {
        private TestObjectsIp() {
        }

        static boolean available() {
            return !Commands.tryRun(List.of("ip", "-V"), 10).startsWith("!");
        }
    }
}
