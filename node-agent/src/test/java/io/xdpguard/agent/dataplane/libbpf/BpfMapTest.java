package io.xdpguard.agent.dataplane.libbpf;

import static io.xdpguard.agent.dataplane.libbpf.MapBytes.lpmV4;
import static io.xdpguard.agent.dataplane.libbpf.MapBytes.u32;
import static io.xdpguard.agent.dataplane.libbpf.MapBytes.u64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Map operations against the real kernel on the maps of maps_test.bpf.c. */
@ExtendWith(RequiresBpf.class)
class BpfMapTest {

    /** 64.0.0.0: 100,000 consecutive /24s end below 66.0.0.0. */
    private static final int LPM_BASE = 64 << 24;

    private BpfObjectFile obj;

    @BeforeEach
    void load() {
        obj = BpfObjectFile.open(TestObjects.mapsTest());
        obj.load();
    }

    @AfterEach
    void close() {
        if (obj != null) {
            obj.close();
        }
    }

    @Test
    void metadataFromTheKernel() {
        BpfMap array = obj.map("test_array");
        assertThat(array.type()).isEqualTo(BpfMapType.ARRAY);
        assertThat(array.keySize()).isEqualTo(4);
        assertThat(array.valueSize()).isEqualTo(4);
        assertThat(array.maxEntries()).isEqualTo(16);
        assertThat(array.id()).isPositive();
        assertThat(array.fd()).isPositive();
        assertThat(BpfMap.listIds()).contains(array.id());

        BpfMap lpm = obj.map("test_lpm");
        assertThat(lpm.type()).isEqualTo(BpfMapType.LPM_TRIE);
        assertThat(lpm.keySize()).isEqualTo(8);
        assertThat(lpm.mapFlags() & 1).as("BPF_F_NO_PREALLOC").isEqualTo(1);
        assertThat(obj.map("test_percpu").type()).isEqualTo(BpfMapType.PERCPU_ARRAY);
        assertThat(obj.map("test_hash").type()).isEqualTo(BpfMapType.HASH);

        assertThat(obj.mapNames()).contains("test_array", "test_percpu", "test_hash", "test_lpm");
        assertThat(obj.maps()).extracting(BpfMap::name).containsAll(List.of("test_array", "test_hash"));
        assertThatThrownBy(() -> obj.map("nope"))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.isNotFound()).isTrue();
                    assertThat(e.operation()).isEqualTo("bpf_object__find_map_by_name");
                });

        try (BpfMap byId = BpfMap.fromId(array.id())) {
            assertThat(byId.type()).isEqualTo(BpfMapType.ARRAY);
            assertThat(byId.name()).isEqualTo("test_array");
            assertThat(byId.maxEntries()).isEqualTo(16);
        }
    }

    @Test
    void arrayUpdateLookupIterateAndDrivesTheProgram() {
        BpfMap array = obj.map("test_array");
        BpfProgram prog = obj.program("xdp_verdict");
        assertThat(array.lookup(u32(0))).hasValueSatisfying(v -> assertThat(u32(v)).isZero());
        assertThat(prog.testRun(BpfProgramTest.packet64(), 1).xdpAction()).contains(XdpAction.PASS);

        array.update(u32(0), u32(1));
        assertThat(array.lookup(u32(0)).map(MapBytes::u32)).contains(1);
        assertThat(prog.testRun(BpfProgramTest.packet64(), 1).xdpAction()).contains(XdpAction.DROP);

        array.update(u32(0), u32(2), BpfMap.UpdateFlag.EXIST);
        assertThat(prog.testRun(BpfProgramTest.packet64(), 1).xdpAction()).contains(XdpAction.PASS);

        array.update(u32(15), u32(0xdeadbeef));
        assertThat(array.lookup(u32(15)).map(MapBytes::u32)).contains(0xdeadbeef);
        // array keys: every index
        assertThat(array.keyList()).extracting(MapBytes::u32)
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        // out of range: the kernel's E2BIG, in the documented message format
        assertThatThrownBy(() -> array.update(u32(16), u32(1)))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.E2BIG);
                    assertThat(e.getMessage())
                            .isEqualTo("bpf_map_update_elem(test_array): errno 7 (E2BIG: Argument list too long)");
                });
        assertThat(array.lookup(u32(16))).isEmpty();
        // arrays cannot delete
        assertThatThrownBy(() -> array.delete(u32(1)))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    void hashCrudAndFlags() {
        BpfMap hash = obj.map("test_hash");
        assertThat(hash.lookup(u64(42))).isEmpty();
        assertThat(hash.keyList()).isEmpty();

        hash.update(u64(42), u32(7), BpfMap.UpdateFlag.NOEXIST);
        assertThat(hash.lookup(u64(42)).map(MapBytes::u32)).contains(7);
        assertThatThrownBy(() -> hash.update(u64(42), u32(8), BpfMap.UpdateFlag.NOEXIST))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.isAlreadyExists()).isTrue();
                    assertThat(e.operation()).isEqualTo("bpf_map_update_elem");
                    assertThat(e.target()).isEqualTo("test_hash");
                });
        assertThatThrownBy(() -> hash.update(u64(43), u32(8), BpfMap.UpdateFlag.EXIST))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.isNotFound()).isTrue());
        hash.update(u64(42), u32(9), BpfMap.UpdateFlag.EXIST);
        assertThat(hash.lookup(u64(42)).map(MapBytes::u32)).contains(9);

        for (long k = 100; k < 110; k++) {
            hash.update(u64(k), u32((int) k));
        }
        Set<Long> keys = new HashSet<>();
        for (byte[] k : hash.keys()) {
            keys.add(MapBytes.u64(k));
        }
        assertThat(keys).containsExactlyInAnyOrder(42L, 100L, 101L, 102L, 103L, 104L, 105L, 106L, 107L, 108L, 109L);

        assertThat(hash.delete(u64(42))).isTrue();
        assertThat(hash.delete(u64(42))).isFalse();
        assertThat(hash.lookup(u64(42))).isEmpty();
        assertThat(hash.keyList()).hasSize(10);
    }

    @Test
    void wrongKeyOrValueSizeIsEinvalWithTheOperationName() {
        BpfMap hash = obj.map("test_hash");
        assertThatThrownBy(() -> hash.update(u32(1), u32(1)))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.operation()).isEqualTo("bpf_map_update_elem");
                    assertThat(e.getMessage()).startsWith("bpf_map_update_elem(test_hash): errno 22 (EINVAL: Invalid argument)")
                            .contains("key is 4 bytes, map key_size is 8");
                });
        assertThatThrownBy(() -> hash.update(u64(1), u64(1)))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.getMessage()).contains("value is 8 bytes"));
        assertThatThrownBy(() -> hash.lookup(new byte[3]))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.operation()).isEqualTo("bpf_map_lookup_elem"));
        assertThatThrownBy(() -> hash.delete(new byte[9]))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> hash.updateBatch(new byte[8], new byte[4], 2, BpfMap.UpdateFlag.ANY))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.operation()).isEqualTo("bpf_map_update_batch"));
        assertThat(hash.keyList()).isEmpty();
    }

    @Test
    void perCpuValuesAreSplitPerPossibleCpu() {
        BpfMap percpu = obj.map("test_percpu");
        int cpus = BpfMap.possibleCpus();
        byte[][] before = percpu.lookupPerCpu(u32(0)).orElseThrow();
        assertThat(before).hasNumberOfRows(cpus);
        assertThat(Arrays.asList(before)).allSatisfy(v -> assertThat(v).hasSize(4).containsOnly(0));

        obj.program("xdp_verdict").testRun(BpfProgramTest.packet64(), 250);
        long total = Arrays.stream(percpu.lookupPerCpu(u32(0)).orElseThrow())
                .mapToLong(v -> Integer.toUnsignedLong(u32(v))).sum();
        assertThat(total).isEqualTo(250);

        // write distinct per-CPU values and read them back (checks the 8-byte slot layout)
        byte[][] values = new byte[cpus][];
        for (int cpu = 0; cpu < cpus; cpu++) {
            values[cpu] = u32(1000 + cpu);
        }
        percpu.updatePerCpu(u32(3), values, BpfMap.UpdateFlag.ANY);
        byte[][] back = percpu.lookupPerCpu(u32(3)).orElseThrow();
        for (int cpu = 0; cpu < cpus; cpu++) {
            assertThat(u32(back[cpu])).isEqualTo(1000 + cpu);
        }
        assertThat(percpu.lookupPerCpu(u32(4))).isEmpty();
        // plain lookup on a per-CPU map would overflow the value buffer: refused
        assertThatThrownBy(() -> percpu.lookup(u32(0))).isInstanceOf(BpfException.class);
        assertThatThrownBy(() -> obj.map("test_array").lookupPerCpu(u32(0))).isInstanceOf(BpfException.class);
    }

    @Test
    void batchUpdateArrayAndHash() {
        BpfMap array = obj.map("test_array");
        int n = 16;
        ByteBuffer keys = ByteBuffer.allocate(n * 4).order(ByteOrder.nativeOrder());
        ByteBuffer values = ByteBuffer.allocate(n * 4).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            keys.putInt(i);
            values.putInt(i * 10 + 3);
        }
        assertThat(array.updateBatch(keys.array(), values.array(), n, BpfMap.UpdateFlag.ANY)).isEqualTo(n);
        for (int i = 0; i < n; i++) {
            assertThat(array.lookup(u32(i)).map(MapBytes::u32)).contains(i * 10 + 3);
        }
        assertThat(array.batchSupported()).as("arrays have kernel batch updates").isTrue();

        BpfMap hash = obj.map("test_hash");
        int m = 4000;
        ByteBuffer hk = ByteBuffer.allocate(m * 8).order(ByteOrder.nativeOrder());
        ByteBuffer hv = ByteBuffer.allocate(m * 4).order(ByteOrder.nativeOrder());
        for (int i = 0; i < m; i++) {
            hk.putLong(1_000_000L + i);
            hv.putInt(i);
        }
        assertThat(hash.updateBatch(hk.array(), hv.array(), m, BpfMap.UpdateFlag.NOEXIST)).isEqualTo(m);
        assertThat(hash.keyList()).hasSize(m);
        assertThat(hash.lookup(u64(1_000_000L + 3999)).map(MapBytes::u32)).contains(3999);
        assertThat(hash.batchSupported()).as("NOEXIST is written element by element").isNull();
        // NOEXIST again: the first element already exists
        assertThatThrownBy(() -> hash.updateBatch(hk.array(), hv.array(), 1, BpfMap.UpdateFlag.NOEXIST))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EEXIST);
                    assertThat(e.getMessage()).contains("at element 0 of 1");
                });
        // ANY goes through the kernel batch: rewrite every value
        ByteBuffer hv2 = ByteBuffer.allocate(m * 4).order(ByteOrder.nativeOrder());
        for (int i = 0; i < m; i++) {
            hv2.putInt(i * 2);
        }
        assertThat(hash.updateBatch(hk.array(), hv2.array(), m, BpfMap.UpdateFlag.ANY)).isEqualTo(m);
        assertThat(hash.batchSupported()).as("ANY uses the kernel batch").isTrue();
        assertThat(hash.lookup(u64(1_000_000L + 3999)).map(MapBytes::u32)).contains(7998);
        // map full: 4096 entries max, 96 free
        ByteBuffer more = ByteBuffer.allocate(200 * 8).order(ByteOrder.nativeOrder());
        for (int i = 0; i < 200; i++) {
            more.putLong(5_000_000L + i);
        }
        assertThatThrownBy(() -> hash.updateBatch(more.array(), new byte[200 * 4], 200, BpfMap.UpdateFlag.ANY))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.E2BIG);
                    assertThat(e.getMessage()).contains("at element 96 of 200");
                });
        assertThat(hash.keyList()).hasSize(4096);
        assertThat(hash.lookup(u64(5_000_000L + 95))).isPresent();
        assertThat(hash.lookup(u64(5_000_000L + 96))).isEmpty();
    }

    @Test
    void lpmBatchOfOneHundredThousandPrefixes() {
        BpfMap lpm = obj.map("test_lpm");
        int n = 100_000;
        ByteBuffer keys = ByteBuffer.allocate(n * 8);
        ByteBuffer values = ByteBuffer.allocate(n * 4).order(ByteOrder.nativeOrder());
        // prefix #i is the /24 at LPM_BASE + i*256, except every 50th, which is the /32 of its host .7
        for (int i = 0; i < n; i++) {
            int prefixLen = i % 50 == 0 ? 32 : 24;
            int addr = LPM_BASE + (i << 8) + (prefixLen == 32 ? 7 : 0);
            keys.put(lpmV4(prefixLen, addr));
            values.putInt(i);
        }
        long t0 = System.nanoTime();
        assertThat(lpm.updateBatch(keys.array(), values.array(), n, BpfMap.UpdateFlag.ANY)).isEqualTo(n);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("LPM updateBatch of " + n + " prefixes: " + ms + " ms, kernel batch="
                + lpm.batchSupported());

        SplittableRandom rnd = new SplittableRandom(1);
        for (int probe = 0; probe < 2000; probe++) {
            int i = rnd.nextInt(n);
            int host = rnd.nextInt(256);
            int addr = LPM_BASE + (i << 8) + host;
            var found = lpm.lookup(lpmV4(32, addr)).map(MapBytes::u32);
            if (i % 50 != 0 || host == 7) {
                assertThat(found).as("host %d of prefix #%d", host, i).contains(i);
            } else {
                assertThat(found).as("host %d next to the /32 of #%d", host, i).isEmpty();
            }
        }
        // outside every prefix
        assertThat(lpm.lookup(lpmV4(32, (11 << 24) | 1))).isEmpty();
        int count = 0;
        for (byte[] ignored : lpm.keys()) {
            count++;
        }
        assertThat(count).isEqualTo(n);
        // delete one /24 and its hosts no longer match
        assertThat(lpm.delete(lpmV4(24, LPM_BASE + (1 << 8)))).isTrue();
        assertThat(lpm.lookup(lpmV4(32, LPM_BASE + (1 << 8) + 9))).isEmpty();
        // prefix length above the key's data bits is rejected by the kernel
        assertThatThrownBy(() -> lpm.update(lpmV4(33, 0), u32(1)))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    void batchFallsBackToSingleUpdatesWhereTheKernelHasNoBatch() {
        BpfMap devmap = obj.map("test_devmap");
        assertThat(devmap.type()).isEqualTo(BpfMapType.DEVMAP);
        int lo = NetInterfaces.requireIndex("lo");
        int n = 8;
        ByteBuffer keys = ByteBuffer.allocate(n * 4).order(ByteOrder.nativeOrder());
        ByteBuffer values = ByteBuffer.allocate(n * 4).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            keys.putInt(i);
            values.putInt(lo);
        }
        assertThat(devmap.updateBatch(keys.array(), values.array(), n, BpfMap.UpdateFlag.ANY)).isEqualTo(n);
        assertThat(devmap.batchSupported()).as("DEVMAP lacks map_update_batch: the per-element path ran").isFalse();
        for (int i = 0; i < n; i++) {
            assertThat(devmap.lookup(u32(i)).map(MapBytes::u32)).contains(lo);
        }
    }

    @Test
    void mapsOfAClosedObjectAreUnusable() {
        BpfMap array = obj.map("test_array");
        obj.close();
        assertThatThrownBy(() -> array.lookup(u32(0))).isInstanceOf(IllegalStateException.class);
        obj = null;
    }
}
