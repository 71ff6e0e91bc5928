package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.libbpf.BpfMap;
import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.RuleMerger;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.rules.RuleSetException;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The search memo (xg_memo, docs/dataplane.md): the winning rule of a packet's vectors (one to three, the last an
 * address dimension's) is remembered per CPU under the slot's epoch, and the next packet of the same vectors takes it
 * from there. Entries are read back and planted from here, so that each test shows the program reading the memo, not
 * only agreeing with the search it replaces (the differential test covers that).
 */
@ExtendWith(RequiresBpf.class)
class SearchMemoTest {
    /** struct xg_memo_entry: key at 0, third at 8, bit at 12; 16 bytes. */
    static final int ENTRY_SIZE = 16;
    static final int BITS = 10;
    static final int ENTRIES = 1 << BITS;

    @RegisterExtension
    final BpffsTestRoot root = new BpffsTestRoot();

    /** Drop TCP 80 from 10.1.0.0/16 (rule 0), pass TCP 80 (rule 1): packets from 10.1.x.x share one pair. */
    private static final RuleSet RULES = rules("""
            interfaces: {include: [eth0]}
            rules:
              - {name: block-net, action: Drop, protocol: TCP, ports: ["80"], sources: [10.1.0.0/16]}
              - {name: web, action: Pass, protocol: TCP, ports: ["80"]}
            """);
    private static final byte[] FIRST = PacketBuilder.tcp4("10.1.0.1", 40000, "192.0.2.2", 80).build();
    private static final byte[] SECOND = PacketBuilder.tcp4("10.1.200.7", 41000, "192.0.2.2", 80).build();

    @Test
    void thePacketsOfOnePairAreDecidedByWhatTheFirstLeft() throws Exception {
        try (Classifier classifier = Classifier.load(null)) {
            Classifier.Applied applied = classifier.apply(RULES);
            assertThat(classifier.testRun(FIRST).retval()).isEqualTo(XdpAction.DROP.code());

            List<Entry> entries = entries(classifier, applied.generation());
            assertThat(entries).as("the first packet's pair, remembered under the slot's epoch").hasSize(1);
            assertThat(entries.get(0).bit).isZero();

            assertThat(entries.get(0).third).as("a pair: no third vector").isEqualTo(-1);
            plant(classifier, entries.get(0).index, entries.get(0).key, -1, 1);
            assertThat(classifier.testRun(SECOND).retval()).as("another source of the same /16: the planted rule 1 passes it")
                    .isEqualTo(XdpAction.PASS.code());
            assertThat(classifier.testRun(PacketBuilder.tcp4("10.2.0.1", 40000, "192.0.2.2", 80).build()).retval())
                    .isEqualTo(XdpAction.PASS.code());
            assertThat(entries(classifier, applied.generation())).as("another pair: searched, remembered apart")
                    .hasSize(2);
        }
    }

    /** A rule naming the packet's source port: the L4, source-port and source vectors, three in the key. */
    @Test
    void threeVectorsAreRememberedToo() throws Exception {
        RuleSet rules = rules("""
                interfaces: {include: [eth0]}
                rules:
                  - {name: reflected, action: Drop, protocol: UDP, sourcePorts: ["53"], sources: [10.1.0.0/16]}
                  - {name: dns, action: Pass, protocol: UDP, sourcePorts: ["53"]}
                """);
        byte[] reply = PacketBuilder.udp4("10.1.0.1", 53, "192.0.2.2", 40000).build();
        byte[] otherReply = PacketBuilder.udp4("10.1.9.9", 53, "192.0.2.2", 40000).build();
        try (Classifier classifier = Classifier.load(null)) {
            Classifier.Applied applied = classifier.apply(rules);
            assertThat(classifier.testRun(reply).retval()).isEqualTo(XdpAction.DROP.code());

            List<Entry> entries = entries(classifier, applied.generation());
            assertThat(entries).hasSize(1);
            assertThat(entries.get(0).third).as("the second vector of the key").isNotEqualTo(-1);
            plant(classifier, entries.get(0).index, entries.get(0).key, entries.get(0).third, 1);
            assertThat(classifier.testRun(otherReply).retval()).as("decided by the planted rule 1")
                    .isEqualTo(XdpAction.PASS.code());
            plant(classifier, entries.get(0).index, entries.get(0).key, entries.get(0).third + 1, 1);
            assertThat(classifier.testRun(otherReply).retval()).as("another third vector: searched")
                    .isEqualTo(XdpAction.DROP.code());
        }
    }

    /** Rules on sources alone: the packet meets the memo with its source vector only (first id 0xffff: none). */
    @Test
    void oneAddressVectorAloneIsRememberedToo() throws Exception {
        RuleSet rules = rules("""
                interfaces: {include: [eth0]}
                rules:
                  - {name: net, action: Drop, sources: [10.1.0.0/16]}
                  - {name: host, action: Pass, sources: [10.1.0.1/32]}
                """);
        try (Classifier classifier = Classifier.load(null)) {
            Classifier.Applied applied = classifier.apply(rules);
            assertThat(classifier.testRun(SECOND).retval()).isEqualTo(XdpAction.DROP.code());

            List<Entry> entries = entries(classifier, applied.generation());
            assertThat(entries).hasSize(1);
            assertThat((entries.get(0).key >>> 16) & 0xffff).as("no first vector").isEqualTo(0xffff);
            plant(classifier, entries.get(0).index, entries.get(0).key, entries.get(0).third, 1);
            assertThat(classifier.testRun(PacketBuilder.udp4("10.1.3.4", 53, "192.0.2.2", 40000).build()).retval())
                    .as("another packet from the /16, decided by the planted rule 1").isEqualTo(XdpAction.PASS.code());
        }
    }

    @Test
    void whatAnEarlierRuleSetLeftIsNotTaken() throws Exception {
        try (Classifier classifier = Classifier.load(null)) {
            Classifier.Applied first = classifier.apply(RULES);
            classifier.testRun(FIRST);
            Entry left = entries(classifier, first.generation()).get(0);
            plant(classifier, left.index, left.key, left.third, 1);

            Classifier.Applied second = classifier.apply(RULES); // the same rules, the same vector numbers: a new epoch
            assertThat(second.generation()).isGreaterThan(first.generation());
            assertThat(classifier.testRun(SECOND).retval()).as("searched again under the new epoch")
                    .isEqualTo(XdpAction.DROP.code());
            assertThat(entries(classifier, second.generation())).extracting(e -> e.bit).containsExactly(0);
        }
    }

    /**
     * The memo is the program's, not pinned: a program loaded over the pinned maps (an upgrade, which may search
     * differently) starts without the answers of the one it replaces, and nothing of it is left in bpffs.
     */
    @Test
    void anUpgradedProgramStartsWithAnEmptyMemo() throws Exception {
        try (Classifier old = Classifier.load(ObjectBytes.shipped(), root.path(), MapCapacities.DEFAULT)) {
            Classifier.Applied applied = old.apply(RULES);
            old.testRun(FIRST);
            Entry left = entries(old, applied.generation()).get(0);
            plant(old, left.index, left.key, left.third, 1);
            assertThat(old.testRun(SECOND).retval()).as("planted").isEqualTo(XdpAction.PASS.code());

            try (Classifier upgraded = Classifier.load(ObjectBytes.shipped(), root.path(), MapCapacities.DEFAULT)) {
                assertThat(upgraded.testRun(SECOND).retval()).as("the rules in force, searched by the new program")
                        .isEqualTo(XdpAction.DROP.code());
            }
            assertThat(root.path().resolve("xg_memo")).doesNotExist();
            assertThat(root.path().resolve("xg_rules")).exists();
        }
    }

    /** After 2^32 - 1 switches the generation wraps past 0, and the epochs with it: never one for two contents. */
    @Test
    void theEpochFollowsTheGenerationAcrossItsWrap() throws Exception {
        try (Classifier classifier = Classifier.load(null)) {
            classifier.apply(RULES);
            classifier.maps().activate(classifier.maps().active().slot(), -1); // the last generation before the wrap
            Classifier.Applied first = classifier.apply(RULES);
            assertThat(first.generation()).as("0 is skipped").isEqualTo(1);
            classifier.testRun(FIRST);
            Entry left = entries(classifier, first.generation()).get(0);
            plant(classifier, left.index, left.key, left.third, 1);

            Classifier.Applied second = classifier.apply(RULES);
            assertThat(second.generation()).isEqualTo(2);
            assertThat(classifier.testRun(SECOND).retval()).as("the first epoch's entry is not the second's")
                    .isEqualTo(XdpAction.DROP.code());
        }
    }

    @Test
    void aSetWithAuditRulesRemembersNothing() throws Exception {
        RuleSet audited = RuleMerger.merge(List.of(Filters.filter("a-audit", """
                interfaces: {include: [eth0]}
                enforcement: Audit
                rules:
                  - {name: telnet, action: Drop, protocol: TCP, ports: ["23"]}
                """), Filters.filter("web", """
                interfaces: {include: [eth0]}
                rules:
                  - {name: block-net, action: Drop, protocol: TCP, ports: ["80"], sources: [10.1.0.0/16]}
                """)), Map.of(), FailsafeConfig.disabled());
        try (Classifier classifier = Classifier.load(null)) {
            Classifier.Applied applied = classifier.apply(audited);
            assertThat(classifier.testRun(FIRST).retval()).isEqualTo(XdpAction.DROP.code());
            assertThat(entries(classifier, applied.generation())).as("the verdict past an Audit rule needs both vectors")
                    .isEmpty();
        }
    }

    record Entry(int index, long key, int third, int bit) {
    }

    private static RuleSet rules(String spec) {
        try {
            return RuleMerger.merge(List.of(Filters.filter("web", spec)), Map.of(), FailsafeConfig.disabled());
        } catch (RuleSetException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Entries of any CPU written under {@code epoch}, one per index. */
    static List<Entry> entries(Classifier classifier, int epoch) {
        BpfMap memo = classifier.map("xg_memo");
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < ENTRIES; i++) {
            byte[][] perCpu = memo.lookupPerCpu(Encoding.u32(i)).orElseThrow();
            for (byte[] value : perCpu) {
                ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
                long key = b.getLong(0);
                if (key != 0 && (int) (key >>> 32) == epoch) {
                    out.add(new Entry(i, key, b.getInt(8), b.getInt(12)));
                    break;
                }
            }
        }
        return out;
    }

    /** Writes {@code bit} under {@code key} and {@code third} at {@code index} for every CPU. */
    static void plant(Classifier classifier, int index, long key, int third, int bit) {
        byte[][] values = new byte[BpfMap.possibleCpus()][];
        for (int c = 0; c < values.length; c++) {
            values[c] = ByteBuffer.allocate(ENTRY_SIZE).order(ByteOrder.nativeOrder()).putLong(key).putInt(third)
                    .putInt(bit).array();
        }
        classifier.map("xg_memo").updatePerCpu(Encoding.u32(index), values, BpfMap.UpdateFlag.ANY);
    }
}
