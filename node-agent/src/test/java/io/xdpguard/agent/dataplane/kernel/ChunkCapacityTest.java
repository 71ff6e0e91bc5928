package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.compile.Abi;
import io.xdpguard.agent.dataplane.compile.Ipv4Direct;
import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The /24 chunk count as a load-time capacity ({@link MapCapacities#chunksPerSlot()}): the maps and the program's
 * bound follow it, the compiler gives chunks to as many /16s as fit and leaves the rest to the trie, and the kernel's
 * verdicts and winning rules equal the reference's for addresses in /16s with a chunk, without one (beyond the
 * capacity) and without a longer prefix, in both slots and both address dimensions.
 */
@ExtendWith(RequiresBpf.class)
class ChunkCapacityTest {
    /** /16s with a longer prefix inside, so each wants a chunk: 10.{16 i}/16. */
    private static final int CHUNKED_SIXTEENS = 8;

    @ParameterizedTest(name = "{0} chunks per slot")
    @ValueSource(ints = {4, 3000})
    void verdictsAgreeWithTheReferenceWithAndWithoutChunks(int chunksPerSlot) throws Exception {
        try (Classifier classifier = Classifier.load(ObjectBytes.shipped(), null,
                new MapCapacities(MapCapacities.DEFAULT.hosts(), 0, 0, chunksPerSlot, 0))) {
            assertThat(classifier.map("xg_src4_dir24").maxEntries()).isEqualTo(Abi.SLOTS * chunksPerSlot);
            assertThat(classifier.map("xg_dst4_dir24").maxEntries()).isEqualTo(Abi.SLOTS * chunksPerSlot);
            assertThat(classifier.maps().chunkCapacityPerSlot()).isEqualTo(chunksPerSlot);

            // three applies: the first and third land in slot 1, the second in slot 0, each written by difference
            for (RuleSet ruleSet : List.of(ruleSet(53), ruleSet(54), ruleSet(53))) {
                Classifier.Applied applied = classifier.apply(ruleSet);
                for (Ipv4Direct direct : List.of(applied.compiled().src4Direct(), applied.compiled().dst4Direct())) {
                    assertThat(direct.chunkCount()).isEqualTo(Math.min(chunksPerSlot, CHUNKED_SIXTEENS));
                    for (int i = 0; i < CHUNKED_SIXTEENS; i++) {
                        int entry = direct.sixteens()[sixteen(i)];
                        assertThat(entry).as("/16 10.%d, %d chunks", 16 * i, chunksPerSlot)
                                .isEqualTo(i < chunksPerSlot ? Abi.DIR_CHUNK | i : Abi.DIR_DEEPER);
                    }
                }
                for (String address : probes()) {
                    for (boolean destination : new boolean[] {false, true}) {
                        assertKernelAgrees(classifier, applied, ruleSet, address, destination);
                    }
                }
            }
        }
    }

    /**
     * The program reads chunk c of slot s at element s * chunks + c: an entry written there (and nowhere else) decides
     * the verdict. With a stride other than the maps' the read would miss it (or hit another slot's chunk) and the
     * trie would answer as before.
     */
    @Test
    void theProgramReadsTheChunksAtTheLoadTimeStride() throws Exception {
        int chunksPerSlot = 4;
        try (Classifier classifier = Classifier.load(ObjectBytes.shipped(), null,
                new MapCapacities(MapCapacities.DEFAULT.hosts(), 0, 0, chunksPerSlot, 0))) {
            RuleSet ruleSet = ruleSet(53);
            Classifier.Applied applied = classifier.apply(ruleSet);
            assertThat(applied.slot()).isEqualTo(1);
            Ipv4Direct direct = applied.compiled().src4Direct();
            int chunk = direct.sixteens()[sixteen(2)] & Abi.VEC_MASK;
            byte[] frame = PacketBuilder.udp4("10.32.8.1", 4000, "198.51.100.1", 53).build();
            assertThat(classifier.testRun(frame).retval()).as("10.32.8.1 before: the /16's Pass rule")
                    .isEqualTo(XdpAction.PASS.code());

            // the vector of 172.16.0.0/12 (rule "far", Drop), from its final /16 entry
            int dropVector = direct.sixteens()[(172 << 8) | 17] & Abi.VEC_MASK;
            byte[] key = Encoding.u32(applied.slot() * chunksPerSlot + chunk);
            byte[] entries = classifier.map("xg_src4_dir24").lookup(key).orElseThrow();
            java.nio.ByteBuffer.wrap(entries).order(java.nio.ByteOrder.nativeOrder()).putInt(8 * 4, Abi.DIR_FINAL | dropVector);
            classifier.map("xg_src4_dir24").update(key, entries);

            assertThat(classifier.testRun(frame).retval()).as("10.32.8.1 with its /24 entry pointing at a Drop rule")
                    .isEqualTo(XdpAction.DROP.code());
        }
    }

    private static void assertKernelAgrees(Classifier classifier, Classifier.Applied applied, RuleSet ruleSet,
            String address, boolean destination) {
        AddressStageProbes.assertKernelAgrees(classifier, applied, ruleSet, address, "198.51.100.1", destination);
    }

    /** Top 16 bits of 10.{16 i}/16. */
    private static int sixteen(int i) {
        return (10 << 8) | (16 * i);
    }

    /** In every chunked /16: the /24 named, a host in it, a listed host elsewhere, the rest; and /16s without chunks. */
    private static List<String> probes() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < CHUNKED_SIXTEENS; i++) {
            String net = "10." + 16 * i + ".";
            out.addAll(List.of(net + "5.9", net + "5.10", net + "7.1", net + "7.2", net + "8.1", net + "9.3"));
        }
        out.addAll(List.of("10.1.0.1", "172.17.1.1", "192.0.2.1", "8.8.8.8"));
        return out;
    }

    /**
     * Per chunked /16 10.X/16 (X = 16 i): rule "odd" drops 10.X.9.0/24, and 10.X.5.0/24 for odd i, on {@code port}
     * (a longer prefix in every such /16, so each wants a chunk), rule "hosts" drops
     * 10.X.5.9 and 10.X.7.1 (exact: the host hash), rule "net" passes 10.X/16 (so the /24s without a longer prefix
     * are final in a chunk), rule "far" drops 172.16/12 (final /16s, no chunk needed). The same lists for destinations.
     */
    private static RuleSet ruleSet(int port) {
        List<String> odd = new ArrayList<>();
        List<String> hosts = new ArrayList<>();
        List<String> nets = new ArrayList<>();
        for (int i = 0; i < CHUNKED_SIXTEENS; i++) {
            String net = "10." + 16 * i + ".";
            if (i % 2 == 1) {
                odd.add(net + "5.0/24");
            }
            odd.add(net + "9.0/24");
            hosts.add(net + "5.9/32");
            hosts.add(net + "7.1/32");
            nets.add(net + "0.0/16");
        }
        return AddressStageProbes.ruleSet(odd, hosts, nets, List.of("172.16.0.0/12"), port);
    }
}
