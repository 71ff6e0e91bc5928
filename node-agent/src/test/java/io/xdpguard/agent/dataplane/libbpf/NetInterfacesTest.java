package io.xdpguard.agent.dataplane.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.testing.Commands;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Listing interfaces: the agent must see interfaces that have no address or are down, as XDP targets often are. */
@ExtendWith(RequiresBpf.class)
class NetInterfacesTest {
    private String veth;

    @AfterEach
    void tearDown() {
        if (veth != null) {
            Commands.tryRun(List.of("ip", "link", "del", veth), 30);
        }
    }

    @Test
    void listsInterfacesWithoutAddressesAndDownOnes() {
        if (!XdpAttachmentTest.TestObjectsIp.available()) {
            RequiresBpf.skipOrFail("iproute2 'ip' is needed to create veth pairs");
        }
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
        veth = "xgn" + suffix;
        String peer = veth + "p";
        Commands.run(List.of("ip", "link", "add", veth, "type", "veth", "peer", "name", peer), 30);

        List<NetInterfaces.Link> links = NetInterfaces.list();

        assertThat(links).contains(new NetInterfaces.Link(veth, NetInterfaces.requireIndex(veth)),
                new NetInterfaces.Link(peer, NetInterfaces.requireIndex(peer)),
                new NetInterfaces.Link("lo", 1));
        assertThat(NetInterfaces.names()).isSorted().contains(veth, peer, "lo");
    }
}
