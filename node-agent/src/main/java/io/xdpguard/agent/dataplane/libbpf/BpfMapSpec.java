package io.xdpguard.agent.dataplane.libbpf;

/**
 * A map as the object file declares it (after any {@link BpfObjectFile#setMaxEntries}), known
 * before loading: lets the caller size or check maps before the kernel creates them.
 */
public record BpfMapSpec(String name, BpfMapType type, int typeId, int keySize, int valueSize, int maxEntries,
        int mapFlags) {
}
