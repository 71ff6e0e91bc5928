package io.xdpguard.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.InterfaceReport;
import io.xdpguard.agent.dataplane.Reason;
import io.xdpguard.agent.dataplane.kernel.DropSample;
import io.xdpguard.agent.dataplane.packet.AddressText;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What /drops serves and the drop log says: names resolved, addresses in the text users type (RFC 5952). */
class DropSamplesTest {

    @Test
    void addressesAreShownInCanonicalText() throws Exception {
        List<String> log = new ArrayList<>();
        DropSamples samples = new DropSamples(10, 10, log::add, () -> 0);
        samples.interfaces(List.of(new InterfaceReport("eth0", 3, InterfaceReport.State.ENFORCING, "Native", 9, 1, "id",
                null, null)));

        samples.accept(new DropSample(1, 3, 7, "block/r", Reason.RULE_DROP, 6, 17,
                InetAddress.getByName("2001:db8:0:0:0:0:0:7"), InetAddress.getByName("2001:db8:0:0:1:0:0:1"), 1000, 53));
        samples.accept(new DropSample(2, 3, 7, "block/r", Reason.RULE_DROP, 6, 17,
                AddressText.inet(PacketBuilder.addressLiteral("::ffff:192.0.2.1")), InetAddress.getByName("2001:db8::2"), 1, 53));
        samples.accept(new DropSample(3, 3, 7, "block/r", Reason.RULE_DROP, 4, 6,
                InetAddress.getByName("192.0.2.7"), InetAddress.getByName("10.0.0.1"), 40000, 443));

        assertThat(samples.query(null, "eth0", 10)).extracting(DropSamples.View::source, DropSamples.View::destination)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("192.0.2.7", "10.0.0.1"),
                        org.assertj.core.groups.Tuple.tuple("::ffff:192.0.2.1", "2001:db8::2"),
                        org.assertj.core.groups.Tuple.tuple("2001:db8::7", "2001:db8::1:0:0:1"));
        assertThat(log).hasSize(3);
        assertThat(log.get(0)).startsWith("drop_sample interface=eth0 filter=block rule=r reason=rule_drop proto=17 "
                + "src=2001:db8::7 sport=1000 dst=2001:db8::1:0:0:1 dport=53 ");
        assertThat(log.get(1)).contains(" src=::ffff:192.0.2.1 ");
        assertThat(log.get(2)).contains(" src=192.0.2.7 sport=40000 dst=10.0.0.1 ");
    }
}
