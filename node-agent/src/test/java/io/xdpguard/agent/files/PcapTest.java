package io.xdpguard.agent.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The captures users have: tcpdump -w on an Ethernet interface, and on "any" (Linux cooked, v1 and v2). */
class PcapTest {
    private static final byte[] MAC = {2, 0, 0, 0, 0, 7};

    @TempDir
    Path dir;

    @Test
    void linuxCookedCapturesBecomeTheEthernetFramesTheProgramSees() throws IOException {
        byte[] ethernet = PacketBuilder.udp4("198.51.100.7", 1, "10.0.0.1", 9).build();
        byte[] ip = Arrays.copyOfRange(ethernet, 14, ethernet.length);

        byte[] sll = ByteBuffer.allocate(16 + ip.length).order(ByteOrder.BIG_ENDIAN).putShort((short) 0)
                .putShort((short) 1).putShort((short) 6).put(MAC).putShort((short) 0).putShort((short) 0x0800).put(ip)
                .array();
        byte[] sll2 = ByteBuffer.allocate(20 + ip.length).order(ByteOrder.BIG_ENDIAN).putShort((short) 0x0800)
                .putShort((short) 0).putInt(3).putShort((short) 1).put((byte) 0).put((byte) 6).put(MAC)
                .putShort((short) 0).put(ip).array();

        for (var capture : new Object[][] {{113, sll}, {276, sll2}}) {
            byte[] frame = Pcap.read(write((Integer) capture[0], (byte[]) capture[1])).get(0);
            assertThat(Arrays.copyOfRange(frame, 6, 12)).as("the sender's MAC").isEqualTo(MAC);
            assertThat(Arrays.copyOfRange(frame, 12, frame.length)).as("EtherType and the IP packet")
                    .isEqualTo(Arrays.copyOfRange(ethernet, 12, ethernet.length));
        }
    }

    @Test
    void anEmptyCaptureIsAnErrorNotASilentNothing() throws IOException {
        Path empty = write(1);
        assertThatThrownBy(() -> Pcap.read(empty)).hasMessage(empty + ": holds no packets");
    }

    private Path write(int linkType, byte[]... records) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(24 + 16 * records.length + 4096).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(linkType);
        for (byte[] r : records) {
            b.putInt(0).putInt(0).putInt(r.length).putInt(r.length).put(r);
        }
        Path file = dir.resolve("capture-" + linkType + ".pcap");
        Files.write(file, Arrays.copyOf(b.array(), b.position()));
        return file;
    }
}
