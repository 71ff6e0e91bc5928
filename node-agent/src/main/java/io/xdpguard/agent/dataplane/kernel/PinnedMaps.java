package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.libbpf.BpfException;
import io.xdpguard.agent.dataplane.libbpf.BpfMap;
import io.xdpguard.agent.dataplane.libbpf.BpfMapSpec;
import io.xdpguard.agent.dataplane.libbpf.BpfObjectFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The maps of the object that are pinned (all but libbpf's internal .rodata/.bss/...), and checks of pins. */
final class PinnedMaps {
    private PinnedMaps() {
    }

    static List<String> names(BpfObjectFile object) {
        return object.mapNames().stream().filter(n -> !n.startsWith(".") && !n.contains(".")).toList();
    }

    static Map<String, BpfMapSpec> specs(BpfObjectFile object) {
        Map<String, BpfMapSpec> out = new LinkedHashMap<>();
        for (String name : names(object)) {
            out.put(name, object.mapSpec(name));
        }
        return out;
    }

    /** The object's map specs after {@code capacities}, read without loading anything. */
    static Map<String, BpfMapSpec> specs(ObjectBytes object, MapCapacities capacities) {
        try (BpfObjectFile file = object.open()) {
            capacities.applyTo(file);
            return specs(file);
        }
    }

    /**
     * Names of maps pinned in {@code dir} whose type, key/value size or max_entries differ from the object's, and of
     * maps of the object missing beside pinned ones (an older object's set: created empty next to maps that hold a
     * rule set, they would be taken to hold it too, and an empty IPv6 stage under a final miss answers wrongly).
     */
    static List<String> incompatible(BpfObjectFile object, Path dir) {
        return incompatible(specs(object), dir);
    }

    static List<String> incompatible(Map<String, BpfMapSpec> specs, Path dir) {
        List<String> out = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (BpfMapSpec spec : specs.values()) {
            Path pin = dir.resolve(spec.name());
            if (!Files.exists(pin)) {
                missing.add(spec.name() + " (not pinned)");
                continue;
            }
            try (BpfMap m = BpfMap.openPinned(pin)) {
                if (m.typeId() != spec.typeId() || m.keySize() != spec.keySize() || m.valueSize() != spec.valueSize()
                        || m.maxEntries() != spec.maxEntries()) {
                    out.add(spec.name() + " (pinned " + m.type() + " " + m.keySize() + "/" + m.valueSize() + "/"
                            + m.maxEntries() + ", object " + spec.type() + " " + spec.keySize() + "/"
                            + spec.valueSize() + "/" + spec.maxEntries() + ")");
                }
            } catch (BpfException e) {
                out.add(spec.name() + " (" + e.getMessage() + ")");
            }
        }
        if (missing.size() < specs.size()) {
            out.addAll(missing);
        }
        return out;
    }

    /** Opens every map of {@code specs} from its pin in {@code dir}; all or nothing. */
    static Map<String, BpfMap> open(Map<String, BpfMapSpec> specs, Path dir) {
        Map<String, BpfMap> out = new LinkedHashMap<>();
        try {
            for (String name : specs.keySet()) {
                out.put(name, BpfMap.openPinned(dir.resolve(name)));
            }
            return out;
        } catch (RuntimeException e) {
            out.values().forEach(BpfMap::close);
            throw e;
        }
    }
}
