package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.libbpf.BpfObjectFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The classifier object's bytes and their SHA-256 (recorded in xg_owner: a different one means upgrade). */
public final class ObjectBytes {
    private static volatile ObjectBytes shipped;
    private final byte[] bytes;
    private final byte[] sha256;

    private ObjectBytes(byte[] bytes) {
        this.bytes = bytes;
        this.sha256 = sha256(bytes);
    }

    public static ObjectBytes of(byte[] bytes) {
        return new ObjectBytes(bytes.clone());
    }

    public static ObjectBytes of(Path file) {
        try {
            return new ObjectBytes(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The object in the agent's jar ({@link Classifier#OBJECT_RESOURCE}). */
    public static ObjectBytes shipped() {
        ObjectBytes s = shipped;
        if (s == null) {
            try (InputStream in = ObjectBytes.class.getResourceAsStream(Classifier.OBJECT_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(Classifier.OBJECT_RESOURCE + " is not on the classpath");
                }
                s = new ObjectBytes(in.readAllBytes());
                shipped = s;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return s;
    }

    public byte[] sha256() {
        return sha256.clone();
    }

    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256);
    }

    /** Parses the object (libbpf needs a file: a temporary copy named xdpguard.bpf.o, deleted right after). */
    BpfObjectFile open() {
        Path dir = null;
        Path file = null;
        try {
            dir = Files.createTempDirectory("xdpguard-bpf");
            file = dir.resolve("xdpguard.bpf.o");
            Files.write(file, bytes);
            return BpfObjectFile.open(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the BPF object to a temporary file", e);
        } finally {
            try {
                if (file != null) {
                    Files.deleteIfExists(file);
                }
                if (dir != null) {
                    Files.deleteIfExists(dir);
                }
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
