package io.xdpguard.agent.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads the frames of a classic pcap file (Ethernet link type), as tcpdump -w writes them. */
public final class Pcap {
    private static final int MAGIC_MICROS = 0xa1b2c3d4;
    private static final int MAGIC_NANOS = 0xa1b23c4d;
    private static final int LINKTYPE_ETHERNET = 1;

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
        if (linkType != LINKTYPE_ETHERNET) {
            throw new IOException(file + ": link type " + linkType + " is not Ethernet");
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
            frames.add(frame);
        }
        return frames;
    }
}
