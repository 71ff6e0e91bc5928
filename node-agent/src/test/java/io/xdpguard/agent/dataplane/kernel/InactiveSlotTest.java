package io.xdpguard.agent.dataplane.kernel;

import static io.xdpguard.agent.dataplane.kernel.BpffsTestRoot.verdict;
import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.libbpf.BpfMap;
import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.RuleMerger;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * After a start the inactive rule-set slot is filled in the background ({@link Classifier#prepareInactiveSlot}), so
 * the next change writes only its difference: the slot then holds exactly the rule set in force, also when an
 * earlier process left other entries in it.
 */
@ExtendWith(RequiresBpf.class)
class InactiveSlotTest {
    private static final List<String> ADDRESS_MAPS = List.of("xg_src4", "xg_src6", "xg_src_host", "xg_dst4", "xg_dst6",
            "xg_dst_host");
    private static final byte[] FROM_A = PacketBuilder.udp4("10.1.2.3", 40000, "192.0.2.2", 53).build();
    private static final byte[] FROM_B = PacketBuilder.udp4("172.16.5.5", 40000, "192.0.2.2", 53).build();
    private static final byte[] FROM_C = PacketBuilder.udp4("198.51.100.9", 40000, "192.0.2.2", 53).build();

    @RegisterExtension
    final BpffsTestRoot root = new BpffsTestRoot();

    @Test
    void aFreshClassifiersSecondSlotIsFilledOnceWithTheRuleSetInForce() throws Exception {
        RuleSet a = dropFrom("[10.0.0.0/8, 192.0.2.7, 2001:db8::/32, 2001:db8::7]");
        try (Classifier classifier = Classifier.load(ObjectBytes.shipped(), root.path(), MapCapacities.DEFAULT)) {
            classifier.apply(a);
            int active = classifier.maps().active().slot();
            assertThat(entries(classifier, 1 - active)).isEmpty();

            assertThat(classifier.prepareInactiveSlot()).isTrue();
            assertThat(entries(classifier, 1 - active)).isEqualTo(entries(classifier, active)).isNotEmpty();
            assertThat(classifier.prepareInactiveSlot()).as("already prepared").isFalse();
            assertThat(classifier.maps().active().slot()).as("nothing switched").isEqualTo(active);

            classifier.apply(dropFrom("[10.0.0.0/8, 172.16.0.0/12]"));
            assertThat(verdict(classifier, FROM_A)).isEqualTo(XdpAction.DROP);
            assertThat(verdict(classifier, FROM_B)).isEqualTo(XdpAction.DROP);
            assertThat(verdict(classifier, FROM_C)).isEqualTo(XdpAction.PASS);
        }
    }

    @Test
    void anAdoptedClassifierRewritesItsUnknownSlotWithoutAnEarlierSetsEntries() throws Exception {
        RuleSet a = dropFrom("[10.0.0.0/8, 192.0.2.7]");
        RuleSet b = dropFrom("[172.16.0.0/12]");
        try (Classifier first = Classifier.load(ObjectBytes.shipped(), root.path(), MapCapacities.DEFAULT)) {
            first.apply(a);
            first.apply(b); // the inactive slot keeps a's entries
        }
        try (Classifier restarted = Classifier.load(ObjectBytes.shipped(), root.path(), MapCapacities.DEFAULT)) {
            int active = restarted.maps().active().slot();
            Set<String> left = entries(restarted, 1 - active);
            assertThat(left).as("left by the first process").isNotEmpty().isNotEqualTo(entries(restarted, active));
            assertThat(restarted.assume(b)).isTrue();

            assertThat(restarted.prepareInactiveSlot()).isTrue();
            assertThat(entries(restarted, 1 - active)).isEqualTo(entries(restarted, active)).isNotEqualTo(left);

            restarted.apply(dropFrom("[172.16.0.0/12, 198.51.100.9]"));
            assertThat(verdict(restarted, FROM_A)).as("a's entries are gone").isEqualTo(XdpAction.PASS);
            assertThat(verdict(restarted, FROM_B)).isEqualTo(XdpAction.DROP);
            assertThat(verdict(restarted, FROM_C)).isEqualTo(XdpAction.DROP);
        }
    }

    @Test
    void nothingIsWrittenWhileTheRuleSetInForceIsUnknown() throws Exception {
        try (Classifier first = Classifier.load(ObjectBytes.shipped(), root.path(), MapCapacities.DEFAULT)) {
            first.apply(dropFrom("[10.0.0.0/8]"));
        }
        try (Classifier restarted = Classifier.load(ObjectBytes.shipped(), root.path(), MapCapacities.DEFAULT)) {
            assertThat(restarted.prepareInactiveSlot()).isFalse();
            assertThat(verdict(restarted, FROM_A)).isEqualTo(XdpAction.DROP);
        }
    }


    /** The address entries of one slot, as "map key-without-slot=value" strings. */
    private static Set<String> entries(Classifier classifier, int slot) {
        Set<String> entries = new HashSet<>();
        for (String name : ADDRESS_MAPS) {
            BpfMap map = classifier.map(name);
            boolean lpm = !name.endsWith("_host");
            for (byte[] key : map.keyList()) {
                ByteBuffer k = ByteBuffer.wrap(key);
                int keySlot = lpm ? k.getInt(4) : Integer.reverseBytes(k.getInt(0));
                if (keySlot != slot) {
                    continue;
                }
                byte[] withoutSlot = key.clone();
                Arrays.fill(withoutSlot, lpm ? 4 : 0, lpm ? 8 : 4, (byte) 0);
                entries.add(name + " " + HexFormat.of().formatHex(withoutSlot) + "="
                        + HexFormat.of().formatHex(map.lookup(key).orElseThrow()));
            }
        }
        return entries;
    }

    private static RuleSet dropFrom(String sources) throws Exception {
        return RuleMerger.merge(List.of(Filters.filter("slots", """
                interfaces: {include: [eth0]}
                rules:
                  - {name: drop, action: Drop, protocol: UDP, sources: %s}
                """.formatted(sources))), Map.of(), FailsafeConfig.disabled());
    }
}
