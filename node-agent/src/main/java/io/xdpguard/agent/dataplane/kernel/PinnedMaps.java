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
import java.util.Optional;
import java.util.Set;

/**
 * The maps of the object that are pinned (all but libbpf's internal .rodata/.bss/... and the program's own), and
 * checks of pins.
 */
final class PinnedMaps {
    /**
     * Maps that belong to one loaded program and die with it: the search memo holds that program's answers, which an
     * upgraded program (maybe searching differently) must not take over.
     */
    private static final Set<String> PROGRAM_PRIVATE = Set.of("xg_memo");

    private PinnedMaps() {
    }

    static List<String> names(BpfObjectFile object) {
        return object.mapNames().stream().filter(n -> !n.startsWith(".") && !n.contains("."))
                .filter(n -> !PROGRAM_PRIVATE.contains(n)).toList();
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
     * Names of maps pinned in {@code dir} whose type, key/value size, max_entries or flags differ from the object's
     * (what libbpf checks before it reuses a pinned map), an xg_owner recording another ABI version, and of
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
                        || m.maxEntries() != spec.maxEntries() || m.mapFlags() != spec.mapFlags()) {
                    out.add(spec.name() + " (pinned " + m.type() + " " + m.keySize() + "/" + m.valueSize() + "/"
                            + m.maxEntries() + " flags " + m.mapFlags() + ", object " + spec.type() + " "
                            + spec.keySize() + "/" + spec.valueSize() + "/" + spec.maxEntries() + " flags "
                            + spec.mapFlags() + ")");
                }
            } catch (BpfException e) {
                out.add(spec.name() + " (" + e.getMessage() + ")");
            }
        }
        if (missing.size() < specs.size()) {
            out.addAll(missing);
        }
        if (out.isEmpty() && specs.containsKey("xg_owner") && Files.exists(dir.resolve("xg_owner"))) {
            abiMismatch(dir.resolve("xg_owner")).ifPresent(out::add);
        }
        return out;
    }

    /**
     * The ABI version xg_owner records, when it is not this agent's: the same sizes may then mean other things
     * (ClassifierMaps.ABI_VERSION changes with any change of layout or meaning).
     */
    private static Optional<String> abiMismatch(Path ownerPin) {
        try (BpfMap m = BpfMap.openPinned(ownerPin)) {
            return ClassifierMaps.readOwner(m).filter(ClassifierMaps.Owner::valid)
                    .filter(o -> o.abiVersion() != ClassifierMaps.ABI_VERSION)
                    .map(o -> "xg_owner (ABI version " + o.abiVersion() + ", object " + ClassifierMaps.ABI_VERSION + ")");
        } catch (BpfException e) {
            return Optional.of("xg_owner (" + e.getMessage() + ")");
        }
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
