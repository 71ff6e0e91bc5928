package io.xdpguard.agent.dataplane.kernel;

import java.nio.file.Path;
import java.util.List;

/**
 * Maps pinned in a directory do not match the object's map specs (type, key/value size, max_entries, flags) or the
 * ABI version xg_owner records.
 */
public final class IncompatiblePinsException extends RuntimeException {
    private final transient List<String> maps;

    public IncompatiblePinsException(Path dir, List<String> maps) {
        super("pinned maps in " + dir + " do not match the object: " + String.join(", ", maps));
        this.maps = List.copyOf(maps);
    }

    public List<String> maps() {
        return maps;
    }
}
