package io.xdpguard.agent.bench;

import io.xdpguard.agent.dataplane.libbpf.BpfMap;
import io.xdpguard.agent.dataplane.libbpf.BpfProgram;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kernel memory of a classifier's maps: the sum of the {@code memlock} the kernel reports (fdinfo) for every map the
 * program uses or has bound, i.e. what `bpftool map show` lists as memlock. For arrays that is their preallocated
 * size; for hashes and LPM tries the kernel's estimate for the entries in use.
 */
final class ClassifierMemory {
    private ClassifierMemory() {
    }

    static long memlockBytes(BpfProgram program) {
        long sum = 0;
        for (int id : program.mapIds()) {
            try (BpfMap map = BpfMap.fromId(id)) {
                sum += memlock(map.fd());
            }
        }
        return sum;
    }

    private static long memlock(int fd) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
                if (line.startsWith("memlock:")) {
                    return Long.parseLong(line.substring("memlock:".length()).trim());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no memlock in the fdinfo of map fd " + fd);
    }
}
