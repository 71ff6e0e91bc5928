package io.xdpguard.agent.dataplane.compile;

import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Stable counter ids per rule key (filter/rule): a rule that survives a rule-set change keeps its id, so its
 * per-CPU counters and rate-limit buckets keep counting across the atomic switch.
 */
public final class CounterIds {
    private final Map<String, Integer> ids = new HashMap<>();
    private final BitSet used = new BitSet();

    public CounterIds() {
    }

    /** Restores known assignments (e.g. read back from the kernel after a restart). */
    public CounterIds(Map<String, Integer> known) {
        known.forEach((key, id) -> {
            ids.put(key, id);
            used.set(id);
        });
    }

    /**
     * Ids for every rule of the set, parallel to its rules; ids of rules no longer present are released.
     *
     * @throws IllegalStateException when more than {@link Abi#MAX_COUNTERS} rules need ids
     */
    public int[] assign(RuleSet ruleSet) {
        List<MatchRule> rules = ruleSet.rules();
        Map<String, Integer> next = new HashMap<>();
        BitSet nextUsed = new BitSet();
        for (MatchRule rule : rules) {
            Integer id = ids.get(rule.key());
            if (id != null && !nextUsed.get(id)) {
                next.put(rule.key(), id);
                nextUsed.set(id);
            }
        }
        int[] out = new int[rules.size()];
        for (int i = 0; i < rules.size(); i++) {
            String key = rules.get(i).key();
            Integer id = next.get(key);
            if (id == null) {
                id = firstFree(nextUsed);
                next.put(key, id);
                nextUsed.set(id);
            }
            out[i] = id;
        }
        ids.clear();
        ids.putAll(next);
        used.clear();
        used.or(nextUsed);
        return out;
    }

    /** The current assignments, to persist beside the maps. */
    public Map<String, Integer> snapshot() {
        return Map.copyOf(ids);
    }

    private static int firstFree(BitSet taken) {
        int id = taken.nextClearBit(0);
        if (id >= Abi.MAX_COUNTERS) {
            throw new IllegalStateException("more than " + Abi.MAX_COUNTERS + " rules need counters on one interface");
        }
        return id;
    }
}
