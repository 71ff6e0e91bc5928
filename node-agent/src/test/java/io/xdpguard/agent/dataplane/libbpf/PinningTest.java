package io.xdpguard.agent.dataplane.libbpf;

import static io.xdpguard.agent.dataplane.libbpf.MapBytes.u32;
import static io.xdpguard.agent.dataplane.libbpf.MapBytes.u64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Pinning on bpffs: auto-pin at load, reuse by a second object, open by path, explicit pins. */
@ExtendWith(RequiresBpf.class)
class PinningTest {

    private Path dir;

    @BeforeEach
    void makeDir() throws Exception {
        Bpffs.ensureMounted(Bpffs.DEFAULT_ROOT);
        dir = Bpffs.DEFAULT_ROOT.resolve("xdpguard-test-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectories(dir);
    }

    @AfterEach
    void removeDir() {
        if (dir != null) {
            Bpffs.removeRecursively(dir);
        }
    }

    @Test
    void pinnedMapIsReusedByTheNextLoadAndOpenableByPath() {
        Path pin = dir.resolve("test_array");
        int mapId;
        try (BpfObjectFile first = BpfObjectFile.open(TestObjects.mapsTest())) {
            first.setPinPath("test_array", pin);
            first.load();
            assertThat(Files.exists(pin)).as("libbpf pinned the map at load").isTrue();
            BpfMap array = first.map("test_array");
            mapId = array.id();
            array.update(u32(0), u32(1)); // makes xdp_verdict drop

            try (BpfObjectFile second = BpfObjectFile.open(TestObjects.mapsTest())) {
                second.setPinPath("test_array", pin);
                second.load();
                BpfMap reused = second.map("test_array");
                assertThat(reused.id()).as("same kernel map").isEqualTo(mapId);
                assertThat(reused.lookup(u32(0)).map(MapBytes::u32)).contains(1);
                // the second object's program reads the shared map
                assertThat(second.program("xdp_verdict").testRun(BpfProgramTest.packet64(), 1).xdpAction())
                        .contains(XdpAction.DROP);
                // maps without a pin path are not shared
                assertThat(second.map("test_hash").id()).isNotEqualTo(first.map("test_hash").id());
            }
        }
        // both objects closed: the pin keeps the map and its contents alive
        try (BpfMap pinned = BpfMap.openPinned(pin)) {
            assertThat(pinned.id()).isEqualTo(mapId);
            assertThat(pinned.name()).isEqualTo("test_array");
            assertThat(pinned.type()).isEqualTo(BpfMapType.ARRAY);
            assertThat(pinned.lookup(u32(0)).map(MapBytes::u32)).contains(1);
            pinned.update(u32(0), u32(5));
        }
        try (BpfObjectFile third = BpfObjectFile.open(TestObjects.mapsTest())) {
            third.setPinPath("test_array", pin);
            third.load();
            assertThat(third.map("test_array").lookup(u32(0)).map(MapBytes::u32)).contains(5);
            assertThat(third.program("xdp_verdict").testRun(BpfProgramTest.packet64(), 1).xdpAction())
                    .contains(XdpAction.PASS);
        }
        assertThat(Bpffs.unpin(pin)).isTrue();
        assertThat(Bpffs.unpin(pin)).isFalse();
        assertThatThrownBy(() -> BpfMap.openPinned(pin))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.isNotFound()).isTrue();
                    assertThat(e.operation()).isEqualTo("bpf_obj_get");
                });
    }

    @Test
    void incompatiblePinnedMapFailsTheLoad() {
        Path pin = dir.resolve("test_array");
        try (BpfObjectFile first = BpfObjectFile.open(TestObjects.mapsTest())) {
            first.load();
            first.map("test_hash").pin(pin); // a HASH where an ARRAY is expected
        }
        try (BpfObjectFile second = BpfObjectFile.open(TestObjects.mapsTest())) {
            second.setPinPath("test_array", pin);
            assertThatThrownBy(second::load)
                    .isInstanceOfSatisfying(BpfException.class, e -> {
                        assertThat(e.operation()).isEqualTo("bpf_object__load");
                        assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    });
            assertThat(second.isLoaded()).isFalse();
        }
    }

    @Test
    void setMaxEntriesBeforeLoad() {
        try (BpfObjectFile obj = BpfObjectFile.open(TestObjects.mapsTest())) {
            assertThat(obj.mapSpec("test_hash"))
                    .isEqualTo(new BpfMapSpec("test_hash", BpfMapType.HASH, 1, 8, 4, 4096, 0));
            assertThat(obj.mapSpec("test_lpm").type()).isEqualTo(BpfMapType.LPM_TRIE);
            obj.setMaxEntries("test_hash", 123);
            assertThat(obj.mapSpec("test_hash").maxEntries()).isEqualTo(123);
            obj.load();
            assertThat(obj.map("test_hash").maxEntries()).isEqualTo(123);
            assertThatThrownBy(() -> obj.setMaxEntries("test_hash", 5)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> obj.setPinPath("test_hash", dir.resolve("x"))).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void explicitPinsOfMapsAndPrograms() {
        Path mapPin = dir.resolve("hash");
        Path progPin = dir.resolve("prog");
        String tag;
        int progId;
        try (BpfObjectFile obj = BpfObjectFile.open(TestObjects.mapsTest())) {
            obj.load();
            BpfMap hash = obj.map("test_hash");
            hash.update(u64(7), u32(77));
            hash.pin(mapPin);
            assertThatThrownBy(() -> hash.pin(mapPin))
                    .isInstanceOfSatisfying(BpfException.class, e -> {
                        assertThat(e.isAlreadyExists()).isTrue();
                        assertThat(e.operation()).isEqualTo("bpf_obj_pin");
                    });
            BpfProgram prog = obj.program("xdp_verdict");
            prog.pin(progPin);
            tag = prog.tag();
            progId = prog.id();
        }
        try (BpfMap hash = BpfMap.openPinned(mapPin); BpfProgram prog = BpfProgram.openPinned(progPin)) {
            assertThat(hash.lookup(u64(7)).map(MapBytes::u32)).contains(77);
            assertThat(prog.tag()).isEqualTo(tag);
            assertThat(prog.id()).isEqualTo(progId);
            assertThat(prog.testRun(BpfProgramTest.packet64(), 1).xdpAction()).contains(XdpAction.PASS);
        }
        assertThatThrownBy(() -> BpfMap.openPinned(dir.resolve("absent")))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.isNotFound()).isTrue());
    }
}
