package io.xdpguard.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.net.SocketAddress;
import java.net.Inet6Address;
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
        for (String address : new String[] {"10.0.0.1", "192.0.2.1", "2001:db8::1", "0.0.0.0", "::"}) {
            assertThat(DropsRoute.isLoopback(peer(address))).as(address).isFalse();
        }
    }

    /** An IPv4 client of a dual-stack socket: its address arrives as an IPv6 address, ::ffff:a.b.c.d. */
    @Test
    void ipv4MappedPeersAreJudgedByTheirIpv4Address() throws Exception {
        assertThat(DropsRoute.isLoopback(mappedPeer(127, 0, 0, 1))).isTrue();
        assertThat(DropsRoute.isLoopback(mappedPeer(10, 0, 0, 1))).isFalse();
    }

    @Test
    void anUnknownPeerIsRemote() {
        assertThat(DropsRoute.isLoopback(null)).isFalse();
        assertThat(DropsRoute.isLoopback(SocketAddress.inetSocketAddress(9402, "localhost"))).isFalse();
    }

    private static SocketAddress mappedPeer(int a, int b, int c, int d) throws Exception {
        byte[] bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) a, (byte) b, (byte) c, (byte) d};
        // Inet6Address.getByAddress keeps the mapped form (InetAddress.getByName would turn it into IPv4)
        return SocketAddress.inetSocketAddress(new InetSocketAddress(Inet6Address.getByAddress(null, bytes, -1), 40000));
    }

    /** As Vert.x reports the peer of an accepted connection: from the socket's address. */
    private static SocketAddress peer(String literal) throws Exception {
        return SocketAddress.inetSocketAddress(new InetSocketAddress(InetAddress.getByName(literal), 40000));
    }
}
