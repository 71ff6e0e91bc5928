package io.xdpguard.agent.bench;

import io.xdpguard.agent.dataplane.kernel.MapCapacities;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Map capacities the benchmark loads xdpguard with, by name: {@code default} (the agent's default),
 * {@code blocklist} (every host of a 1,000,000-CIDR blocklist in the host hash, a /24 chunk for every /16, an IPv6
 * stage entry for each of its ~100,000 IPv6 /32s and their /48s), or {@code hosts=N,chunks=N,prefixes=N,ipv6blocks=N}
 * (per slot, as the agent's configuration states them; 0 or absent: the object's).
 */
record CapacityProfile(String name, MapCapacities capacities) {
    static final CapacityProfile DEFAULT = new CapacityProfile("default", MapCapacities.DEFAULT);
    /**
     * 1,048,576 hosts per slot and dimension: the blocklist's 800,000 IPv4 and 50,000 IPv6 hosts all fit; 262,144
     * IPv6 blocks: its 50,000 IPv6 hosts and 50,000 networks (/32../64) each in a /32 of their own, a /48 below the
     * /32 for the networks longer than /32.
     */
    static final CapacityProfile BLOCKLIST = new CapacityProfile("blocklist",
            MapCapacities.perSlot(1 << 20, 0, 65_536, 1 << 18));
    private static final Set<String> KEYS = Set.of("hosts", "chunks", "prefixes", "ipv6blocks");

    static CapacityProfile parse(String spec) {
        if (spec.equals(DEFAULT.name)) {
            return DEFAULT;
        }
        if (spec.equals(BLOCKLIST.name)) {
            return BLOCKLIST;
        }
        Map<String, Integer> values = new HashMap<>();
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2 || !KEYS.contains(kv[0])) {
                throw new IllegalArgumentException("--capacities takes default, blocklist or "
                        + "hosts=N,chunks=N,prefixes=N,ipv6blocks=N: " + spec);
            }
            values.put(kv[0], Integer.parseInt(kv[1].replace("_", "")));
        }
        return new CapacityProfile(spec, MapCapacities.perSlot(values.getOrDefault("hosts", 0),
                values.getOrDefault("prefixes", 0), values.getOrDefault("chunks", 0), values.getOrDefault("ipv6blocks", 0)));
    }

    /** The JSON fields naming this profile: its name and the map sizes it loads. */
    String json() {
        return "\"capacities\":\"" + name + "\",\"map_sizes\":\"" + capacities + "\"";
    }
}
