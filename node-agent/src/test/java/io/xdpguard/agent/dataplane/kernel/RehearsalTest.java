package io.xdpguard.agent.dataplane.kernel;

import static io.xdpguard.agent.dataplane.kernel.BpffsTestRoot.verdict;
import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.compile.CompiledRuleSet;
import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.RuleMerger;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The agent rehearses its change path after a start (JIT warm-up): compiles only, never a write. */
@ExtendWith(RequiresBpf.class)
class RehearsalTest {
    private static final byte[] UDP_FROM_TEN = PacketBuilder.udp4("10.1.2.3", 40000, "192.0.2.2", 53).build();
    private static final byte[] TCP_TO_40001 = PacketBuilder.tcp4("10.1.2.3", 40000, "192.0.2.2", 40001).build();
    private static final byte[] TCP_TO_22 = PacketBuilder.tcp4("10.1.2.3", 40000, "192.0.2.2", 22).build();

    @RegisterExtension
    final BpffsTestRoot root = new BpffsTestRoot();

    @Test
    void aRehearsedPortChangeRecompilesTheL4TablesReusesTheAddressTablesAndWritesNothing() throws Exception {
        try (Classifier classifier = Classifier.load(ObjectBytes.shipped(), root.path(), MapCapacities.DEFAULT)) {
            classifier.apply(rules("22"));
            ClassifierMaps.Active before = classifier.maps().active();

            CompiledRuleSet unchanged = classifier.compileCurrent();
            CompiledRuleSet portChange = classifier.compilePortChange(40001);

            assertThat(Arrays.deepEquals(portChange.l4(), unchanged.l4())).as("L4 tables recomputed").isFalse();
            assertThat(portChange.src4()).as("address tables reused").isSameAs(unchanged.src4());
            assertThat(classifier.maps().active()).as("nothing switched").isEqualTo(before);
            assertThat(verdict(classifier, UDP_FROM_TEN)).isEqualTo(XdpAction.DROP);
            assertThat(verdict(classifier, TCP_TO_22)).isEqualTo(XdpAction.DROP);
            assertThat(verdict(classifier, TCP_TO_40001)).as("the rehearsed rule is not in force").isEqualTo(XdpAction.PASS);
        }
    }

    @Test
    void aRehearsedWriteGoesIntoTheInactiveSlotAndBackOutSwitchingNothing() throws Exception {
        try (Classifier classifier = Classifier.load(ObjectBytes.shipped(), root.path(), MapCapacities.DEFAULT)) {
            classifier.apply(rules("22"));
            assertThat(classifier.rehearsePortChangeWrite(40001)).as("the inactive slot is not prepared yet").isFalse();
            classifier.prepareInactiveSlot();
            ClassifierMaps.Active before = classifier.maps().active();

            assertThat(classifier.rehearsePortChangeWrite(40001)).isTrue();

            assertThat(classifier.maps().active()).as("nothing switched").isEqualTo(before);
            assertThat(verdict(classifier, TCP_TO_22)).isEqualTo(XdpAction.DROP);
            assertThat(verdict(classifier, TCP_TO_40001)).isEqualTo(XdpAction.PASS);
            // the slot holds the rule set in force again: switching to it with the same rules writes nothing and
            // must not bring the rehearsed port in
            classifier.apply(rules("22"));
            assertThat(classifier.maps().active().slot()).isEqualTo(1 - before.slot());
            assertThat(verdict(classifier, TCP_TO_22)).isEqualTo(XdpAction.DROP);
            assertThat(verdict(classifier, TCP_TO_40001)).isEqualTo(XdpAction.PASS);
            assertThat(verdict(classifier, UDP_FROM_TEN)).isEqualTo(XdpAction.DROP);
            classifier.apply(rules("40001"));
            assertThat(verdict(classifier, TCP_TO_40001)).isEqualTo(XdpAction.DROP);
            assertThat(verdict(classifier, TCP_TO_22)).isEqualTo(XdpAction.PASS);
        }
    }

    private static RuleSet rules(String sshPort) throws Exception {
        return RuleMerger.merge(List.of(Filters.filter("rehearsal", """
                interfaces: {include: [eth0]}
                rules:
                  - {name: drop-ten, action: Drop, protocol: UDP, sources: [10.0.0.0/8]}
                  - {name: drop-ssh, action: Drop, protocol: TCP, ports: ["%s"]}
                """.formatted(sshPort))), Map.of(), FailsafeConfig.disabled());
    }
}
