package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.Reason;
import java.util.EnumMap;
import java.util.Map;

/** Packets and bytes per verdict reason on one interface, summed over CPUs (xg_stats). */
public record ReasonCounters(Map<Reason, long[]> values) {
    public ReasonCounters {
        values = new EnumMap<>(values);
    }

    public long packets(Reason reason) {
        long[] v = values.get(reason);
        return v == null ? 0 : v[0];
    }

    public long bytes(Reason reason) {
        long[] v = values.get(reason);
        return v == null ? 0 : v[1];
    }
}
