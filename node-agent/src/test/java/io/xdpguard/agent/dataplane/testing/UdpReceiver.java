package io.xdpguard.agent.dataplane.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/** Counts UDP datagrams arriving at one address and port: what got through a filter, for kernel tests and benchmarks. */
public final class UdpReceiver implements AutoCloseable {
    private final DatagramSocket socket;
    private final AtomicLong count = new AtomicLong();

    public UdpReceiver(String ip, int port) {
        try {
            socket = new DatagramSocket(null);
            socket.setReuseAddress(true);
            socket.setReceiveBufferSize(8 << 20);
            socket.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread thread = new Thread(() -> {
            byte[] buf = new byte[2048];
            while (!socket.isClosed()) {
                try {
                    socket.receive(new DatagramPacket(buf, buf.length));
                    count.incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        }, "udp-" + port);
        thread.setDaemon(true);
        thread.start();
    }

    public long count() {
        return count.get();
    }

    /** The count once it stopped growing for 500 ms (datagrams still in flight have arrived). */
    public long settled() throws InterruptedException {
        long last = -1;
        while (true) {
            long now = count.get();
            if (now == last) {
                return now;
            }
            last = now;
            Thread.sleep(500);
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
