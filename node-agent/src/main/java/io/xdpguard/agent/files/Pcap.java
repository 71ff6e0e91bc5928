package io.xdpguard.agent.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the frames of a classic pcap file, as tcpdump -w writes them: Ethernet, or Linux cooked captures
 * ({@code tcpdump -i any}: SLL and SLL2), whose header becomes an Ethernet one carrying the same EtherType and the
 * sender's MAC address when it has one.
 */
public final class Pcap {
    private static final int MAGIC_MICROS = 0xa1b2c3d4;
    private static final int MAGIC_NANOS = 0xa1b23c4d;
    private static final int LINKTYPE_ETHERNET = 1;
    private static final int LINKTYPE_LINUX_SLL = 113;
    private static final int LINKTYPE_LINUX_SLL2 = 276;

    private Pcap() {
    }

    public static List<byte[]> read(Path file) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.BIG_ENDIAN);
        if (in.remaining() < 24) {
            throw new IOException(file + ": too short for a pcap file");
        }
        int magic = in.getInt(0);
        if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
            in.order(ByteOrder.LITTLE_ENDIAN);
            magic = in.getInt(0);
            if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
                throw new IOException(file + ": not a pcap file (pcapng is not supported; convert with editcap -F pcap)");
            }
        }
        int linkType = in.getInt(20);
        if (linkType != LINKTYPE_ETHERNET && linkType != LINKTYPE_LINUX_SLL && linkType != LINKTYPE_LINUX_SLL2) {
            throw new IOException(file + ": link type " + linkType + " is neither Ethernet (1) nor Linux cooked "
                    + "(113, 276)");
        }
        in.position(24);
        List<byte[]> frames = new ArrayList<>();
        while (in.remaining() >= 16) {
            in.position(in.position() + 8);
            int captured = in.getInt();
            in.getInt();
            if (captured < 0 || captured > in.remaining()) {
                throw new IOException(file + ": record " + (frames.size() + 1) + " is truncated");
            }
            byte[] frame = Arrays.copyOfRange(in.array(), in.position(), in.position() + captured);
            in.position(in.position() + captured);
            frames.add(linkType == LINKTYPE_ETHERNET ? frame : ethernetFromCooked(file, frames.size() + 1, frame,
                    linkType == LINKTYPE_LINUX_SLL2));
        }
        if (frames.isEmpty()) {
            throw new IOException(file + ": holds no packets");
        }
        return frames;
    }

    /**
     * SLL: packet type, ARPHRD type, address length, 8 address bytes, EtherType (16 bytes). SLL2: EtherType, 2
     * reserved, ifindex, ARPHRD type, packet type, address length, 8 address bytes (20 bytes). Both big-endian.
     */
    private static byte[] ethernetFromCooked(Path file, int record, byte[] cooked, boolean v2) throws IOException {
        int header = v2 ? 20 : 16;
        if (cooked.length < header) {
            throw new IOException(file + ": record " + record + " is shorter than its Linux cooked header");
        }
        ByteBuffer h = ByteBuffer.wrap(cooked).order(ByteOrder.BIG_ENDIAN);
        int addressLength = v2 ? h.get(11) & 0xff : h.getShort(4) & 0xffff;
        int addressAt = v2 ? 12 : 6;
        short etherType = h.getShort(v2 ? 0 : 14);
        ByteBuffer frame = ByteBuffer.allocate(14 + cooked.length - header).order(ByteOrder.BIG_ENDIAN);
        frame.put(new byte[6]); // the destination is not captured
        frame.put(addressLength == 6 ? Arrays.copyOfRange(cooked, addressAt, addressAt + 6) : new byte[6]);
        frame.putShort(etherType);
        frame.put(cooked, header, cooked.length - header);
        return frame.array();
    }
}
