package io.xdpguard.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Who may read drop samples: the node itself, not the node's network (the route answers others 403). */
class DropsRouteTest {

    @Test
    void loopbackPeersAreLocal() throws Exception {
        for (String address : new String[] {"127.0.0.1", "127.8.9.10", "::1"}) {
            assertThat(DropsRoute.isLoopback(peer(address))).as(address).isTrue();
        }
    }

    @Test
    void otherPeersAreRemote() throws Exception {
        for (String address : new String[] {"10.0.0.1", "192.0.2.1", "2001:db8::1", "::ffff:10.0.0.1", "0.0.0.0", "::"}) {
            assertThat(DropsRoute.isLoopback(peer(address))).as(address).isFalse();
        }
    }

    @Test
    void anUnknownPeerIsRemote() {
        assertThat(DropsRoute.isLoopback(null)).isFalse();
        assertThat(DropsRoute.isLoopback(SocketAddress.inetSocketAddress(9402, "localhost"))).isFalse();
    }

    /** As Vert.x reports the peer of an accepted connection: from the socket's address. */
    private static SocketAddress peer(String literal) throws Exception {
        return SocketAddress.inetSocketAddress(new InetSocketAddress(InetAddress.getByName(literal), 40000));
    }
}
