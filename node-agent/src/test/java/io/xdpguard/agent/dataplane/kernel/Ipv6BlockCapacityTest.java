package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddressString;
import io.xdpguard.agent.dataplane.compile.Abi;
import io.xdpguard.agent.dataplane.compile.CompiledRuleSet;
import io.xdpguard.agent.dataplane.compile.CounterIds;
import io.xdpguard.agent.dataplane.compile.Dir6Table;
import io.xdpguard.agent.dataplane.compile.RuleCompiler;
import io.xdpguard.agent.dataplane.compile.Ipv6Direct;
import io.xdpguard.agent.dataplane.libbpf.BpfMap;
import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The IPv6 stage's entries per slot as a load-time capacity ({@link MapCapacities#ipv6Blocks()}): the maps follow it,
 * the compiler keeps the lowest /32s that fit and leaves the rest to the trie, each slot holds exactly its compiled
 * entries after changes written by difference, and the kernel's verdicts and winning rules equal the reference's in
 * /32s with and without entries, with a final and a deeper miss, in both slots and both address dimensions.
 */
@ExtendWith(RequiresBpf.class)
class Ipv6BlockCapacityTest {
    /** /32s with /48s inside, each wanting a next entry and its /48s: 2001:d00{i}::/32. */
    private static final int SLASH32S = 8;
    /** Entries a slot wants per dimension: per /32 a next entry and three /48s (:5, :7, :9), and 3fff::/32. */
    private static final int WANTED = 4 * SLASH32S + 1;

    @ParameterizedTest(name = "{0} IPv6 blocks per slot")
    @ValueSource(ints = {4, 1024})
    void verdictsAgreeWithTheReferenceWithinAndBeyondTheCapacity(int blocksPerSlot) throws Exception {
        try (Classifier classifier = Classifier.load(ObjectBytes.shipped(), null,
                new MapCapacities(MapCapacities.DEFAULT.hosts(), 0, 0, 0, Abi.SLOTS * blocksPerSlot))) {
            // buckets of four ways, at most half of them taken
            assertThat(classifier.map("xg_src6_dir").maxEntries()).isEqualTo(Abi.SLOTS * blocksPerSlot / 2);
            assertThat(classifier.map("xg_dst6_dir").maxEntries()).isEqualTo(Abi.SLOTS * blocksPerSlot / 2);
            assertThat(classifier.maps().ipv6BlockCapacityPerSlot()).isEqualTo(blocksPerSlot);

            // four applies, slots 1, 0, 1, 0, each written by difference; the second and third with a prefix of
            // fewer than 32 bits, so the misses turn deeper and final again, and with other /48s in half the /32s
            boolean fits = blocksPerSlot >= WANTED;
            int[] ports = {53, 54, 53, 53};
            boolean[] shortPrefixes = {false, true, true, false};
            for (int change = 0; change < ports.length; change++) {
                boolean shortPrefix = shortPrefixes[change];
                RuleSet ruleSet = ruleSet(ports[change], shortPrefix);
                Classifier.Applied applied = classifier.apply(ruleSet);
                for (boolean destination : new boolean[] {false, true}) {
                    Ipv6Direct direct = destination ? applied.compiled().dst6Direct() : applied.compiled().src6Direct();
                    assertThat(direct.size()).isLessThanOrEqualTo(blocksPerSlot);
                    assertThat((direct.miss() & Abi.DIR_FINAL) != 0).as("a final miss").isEqualTo(!shortPrefix);
                    // beyond the capacity the first /32 left out is 2001:d001 (2001:d000 takes all 4 entries)
                    assertThat(direct.missUpTo()).isEqualTo(fits ? -1 : 0x2001d000);
                    assertThat(held(classifier, destination ? "xg_dst6_dir" : "xg_src6_dir", applied.slot()))
                            .as("the slot's entries in the kernel").isEqualTo(compiled(direct));
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
     * A table at its capacity (half its ways taken) has some blocks in their second bucket, there because the first
     * was full: the program finds those too, in both address dimensions.
     */
    @Test
    void blocksInTheirSecondBucketAreFound() throws Exception {
        int blocksPerSlot = 256;
        try (Classifier classifier = Classifier.load(ObjectBytes.shipped(), null,
                new MapCapacities(MapCapacities.DEFAULT.hosts(), 0, 0, 0, Abi.SLOTS * blocksPerSlot))) {
            // random /32s: sequential ones spread evenly over the buckets under a multiplicative hash
            long[] tops = new java.util.Random(1).longs(0x20000000L, 0x40000000L).distinct().limit(blocksPerSlot - 1)
                    .toArray();
            List<String> dropped = java.util.Arrays.stream(tops).mapToObj(t -> slash32Of(t) + "::/32").toList();
            RuleSet ruleSet = AddressStageProbes.ruleSet(List.of(), List.of(), List.of(), dropped, 53);
            Classifier.Applied applied = classifier.apply(ruleSet);
            List<String> inSecondBucket = new ArrayList<>();
            for (boolean destination : new boolean[] {false, true}) {
                Dir6Table table = (destination ? applied.compiled().dst6Direct() : applied.compiled().src6Direct()).table();
                for (long top : tops) {
                    long block = Ipv6Direct.block(top << 16, 32);
                    int at = table.find(block);
                    assertThat(at).isNotNegative();
                    if (table.wayOf(at) / Abi.DIR6_WAYS != Dir6Table.bucket(block, table.mult0(), table.bucketBits())) {
                        inSecondBucket.add(slash32Of(top) + "::1");
                    }
                }
            }
            assertThat(inSecondBucket).as("/32s in their second bucket").isNotEmpty();
            for (String address : inSecondBucket) {
                for (boolean destination : new boolean[] {false, true}) {
                    assertKernelAgrees(classifier, applied, ruleSet, address, destination);
                }
            }
            assertKernelAgrees(classifier, applied, ruleSet, "4001:2000::1", false);
        }
    }

    /**
     * After a restart the agent does not know what a slot holds: the writer writes every bucket of the slot's table,
     * leaving the other slot alone.
     */
    @Test
    void aSlotOfUnknownContentsIsRewrittenToExactlyItsEntries() throws Exception {
        try (Classifier classifier = Classifier.load(null)) {
            Classifier.Applied first = classifier.apply(ruleSet(53, false));
            Classifier.Applied second = classifier.apply(ruleSet(53, true));
            RuleSet next = ruleSet(54, true);
            CompiledRuleSet compiled = RuleCompiler.compile(next, CounterIds.NONE.assign(next).ids(),
                    classifier.maps().slotCapacity(), null);
            assertThat(compiled(compiled.src6Direct())).isNotEqualTo(compiled(first.compiled().src6Direct()));

            classifier.maps().writeSlot(first.slot(), compiled, null, false,
                    ClassifierMaps.nextGeneration(classifier.maps().active()));

            assertThat(held(classifier, "xg_src6_dir", first.slot())).isEqualTo(compiled(compiled.src6Direct()));
            assertThat(held(classifier, "xg_dst6_dir", first.slot())).isEqualTo(compiled(compiled.dst6Direct()));
            assertThat(held(classifier, "xg_src6_dir", second.slot())).isEqualTo(compiled(second.compiled().src6Direct()));
        }
    }

    /**
     * The program reads the entries where the writer puts them (the slot's buckets, the block's key and multipliers)
     * and the slot config's miss up to its limit: an entry or miss changed in the map decides the verdict. Without
     * the stage, or with another key layout, the trie would answer as before.
     */
    @Test
    void theProgramAnswersFromTheStageEntriesAndMisses() throws Exception {
        try (Classifier classifier = Classifier.load(null)) {
            RuleSet ruleSet = ruleSet(53, false);
            Classifier.Applied applied = classifier.apply(ruleSet);
            Ipv6Direct direct = applied.compiled().src6Direct();
            // the vector of 3fff::/32 (rule "far", Drop), from its final /32 entry
            int dropVector = direct.entries()[index(direct, "3fff::", 32)] & Abi.VEC_MASK;
            byte[] inSlash48 = PacketBuilder.udp6("2001:d002:8::1", 4000, "2001:db8::1", 53).build();
            byte[] elsewhere = PacketBuilder.udp6("2001:db8::7", 4000, "2001:db8::1", 53).build();
            assertThat(classifier.testRun(inSlash48).retval()).as("2001:d002:8::1: the /32's Pass rule")
                    .isEqualTo(XdpAction.PASS.code());
            assertThat(classifier.testRun(elsewhere).retval()).as("2001:db8::7: no rule").isEqualTo(XdpAction.PASS.code());

            BpfMap map = classifier.map("xg_src6_dir");
            int way = direct.table().wayOf(index(direct, "2001:d002::", 32));
            byte[] key = Encoding.u32(applied.slot() * direct.table().buckets() + way / Abi.DIR6_WAYS);
            byte[] bucket = map.lookup(key).orElseThrow();
            int at = way % Abi.DIR6_WAYS * 16;
            assertThat(Encoding.readU32(bucket, at + 8)).isEqualTo(Abi.DIR_NEXT);
            ByteBuffer.wrap(bucket).order(ByteOrder.nativeOrder()).putInt(at + 12, Abi.DIR_FINAL | dropVector);
            map.update(key, bucket);
            assertThat(classifier.testRun(inSlash48).retval()).as("2001:d002:8::1 with its /32's miss pointing at Drop")
                    .isEqualTo(XdpAction.DROP.code());

            byte[] config = classifier.map("xg_slot_config").lookup(Encoding.u32(applied.slot())).orElseThrow();
            ByteBuffer.wrap(config).order(ByteOrder.nativeOrder()).putInt(32 + 4 * Abi.DIM_SRC, Abi.DIR_FINAL | dropVector);
            classifier.map("xg_slot_config").update(Encoding.u32(applied.slot()), config);
            assertThat(classifier.testRun(elsewhere).retval()).as("2001:db8::7 with the miss pointing at Drop")
                    .isEqualTo(XdpAction.DROP.code());

            ByteBuffer.wrap(config).order(ByteOrder.nativeOrder()).putInt(40 + 4 * Abi.DIM_SRC, 0x20010db7);
            classifier.map("xg_slot_config").update(Encoding.u32(applied.slot()), config);
            assertThat(classifier.testRun(elsewhere).retval()).as("2001:db8::7 above the last /32 the miss answers for")
                    .isEqualTo(XdpAction.PASS.code());
        }
    }

    private static void assertKernelAgrees(Classifier classifier, Classifier.Applied applied, RuleSet ruleSet,
            String address, boolean destination) {
        AddressStageProbes.assertKernelAgrees(classifier, applied, ruleSet, address, "2001:db8::1", destination);
    }

    /** The entries of {@code slot} in a dir6 map: block key to {entry, miss}. */
    private static TreeMap<Long, List<Integer>> held(Classifier classifier, String map, int slot) {
        TreeMap<Long, List<Integer>> out = new TreeMap<>();
        BpfMap m = classifier.map(map);
        int buckets = m.maxEntries() / Abi.SLOTS;
        for (int b = 0; b < buckets; b++) {
            ByteBuffer bucket = ByteBuffer.wrap(m.lookup(Encoding.u32(slot * buckets + b)).orElseThrow())
                    .order(ByteOrder.nativeOrder());
            for (int w = 0; w < Abi.DIR6_WAYS; w++) {
                long key = bucket.getLong(w * 16);
                if (key != 0) {
                    out.put(key, List.of(bucket.getInt(w * 16 + 8), bucket.getInt(w * 16 + 12)));
                }
            }
        }
        return out;
    }

    private static TreeMap<Long, List<Integer>> compiled(Ipv6Direct direct) {
        TreeMap<Long, List<Integer>> out = new TreeMap<>();
        for (int i = 0; i < direct.size(); i++) {
            out.put(direct.blocks()[i], List.of(direct.entries()[i], direct.misses()[i]));
        }
        return out;
    }

    private static int index(Ipv6Direct direct, String address, int length) {
        long top48 = ByteBuffer.wrap(new IPAddressString(address).getAddress().getBytes()).getLong() >>> 16;
        return java.util.Arrays.binarySearch(direct.blocks(), Ipv6Direct.block(top48, length));
    }

    /** A /32's first 32 bits as text: 2001:d00b for 0x2001d00b. */
    private static String slash32Of(long top32) {
        return Long.toHexString(top32 >>> 16) + ":" + Long.toHexString(top32 & 0xffff);
    }

    /** Top 32 bits of the i-th /32, as text: 2001:d00{i}. */
    private static String slash32(int i) {
        return "2001:d00" + Integer.toHexString(i);
    }

    /**
     * In every /32: hosts, another address of a host's /48, addresses in the /48s named and in one without an entry;
     * then addresses of no /32 with an entry, of the short prefix and of the final /32.
     */
    private static List<String> probes() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < SLASH32S; i++) {
            String net = slash32(i);
            out.addAll(List.of(net + ":5::9", net + ":5::10", net + ":7::1", net + ":7::2", net + ":9::3", net + ":a::3",
                    net + ":8::1"));
        }
        out.addAll(List.of("2001:db8::7", "2400::1", "3fff::1", "::1", "fe80::1"));
        return out;
    }

    /**
     * Per /32 2001:d00{i}::/32: rule "odd" drops its :9::/48 (with {@code shortPrefix}, :a::/48 in the upper half of
     * the /32s), and :5::/48 for odd i, on {@code port} (so each /32 wants a next entry and /48s), rule "hosts" drops
     * :5::9 and :7::1 (exact: the host hash), rule "net" passes the /32 (the /48s without an entry take its vector);
     * rule "far" drops 3fff::/32 (a final /32) and, with {@code shortPrefix}, 2400::/12 (fewer than 32 bits: a /32
     * without an entry goes to the trie). The same lists for destinations.
     */
    private static RuleSet ruleSet(int port, boolean shortPrefix) {
        List<String> odd = new ArrayList<>();
        List<String> hosts = new ArrayList<>();
        List<String> nets = new ArrayList<>();
        for (int i = 0; i < SLASH32S; i++) {
            String net = slash32(i);
            if (i % 2 == 1) {
                odd.add(net + ":5::/48");
            }
            odd.add(net + (shortPrefix && i >= SLASH32S / 2 ? ":a::/48" : ":9::/48"));
            hosts.add(net + ":5::9/128");
            hosts.add(net + ":7::1/128");
            nets.add(net + "::/32");
        }
        List<String> far = shortPrefix ? List.of("3fff::/32", "2400::/12") : List.of("3fff::/32");
        return AddressStageProbes.ruleSet(odd, hosts, nets, far, port);
    }
}
