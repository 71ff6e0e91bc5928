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
 *
 * @param byKey the id of every rule key
 * @param ids   the id of each rule of the rule set, parallel to its rules
 */
public record CounterIds(Map<String, Integer> byKey, int[] ids) {
    public static final CounterIds NONE = new CounterIds(Map.of(), new int[0]);

    public CounterIds {
        byKey = Map.copyOf(byKey);
    }

    /**
     * Ids for every rule of {@code ruleSet}, keeping this assignment's id for every key it knows.
     *
     * @throws IllegalStateException when more than {@link Abi#MAX_COUNTERS} rules need ids
     */
    public CounterIds assign(RuleSet ruleSet) {
        List<MatchRule> rules = ruleSet.rules();
        Map<String, Integer> next = new HashMap<>();
        BitSet taken = new BitSet();
        for (MatchRule rule : rules) {
            Integer id = byKey.get(rule.key());
            if (id != null && !taken.get(id)) {
                next.put(rule.key(), id);
                taken.set(id);
            }
        }
        // A new key prefers an id nobody held before, so that the rule set still in force never shares a counter
        // with the one being prepared (its statistics are reset before the switch).
        BitSet reserved = (BitSet) taken.clone();
        byKey.values().forEach(reserved::set);
        int[] out = new int[rules.size()];
        for (int i = 0; i < rules.size(); i++) {
            String key = rules.get(i).key();
            Integer id = next.get(key);
            if (id == null) {
                id = reserved.nextClearBit(0);
                if (id >= Abi.MAX_COUNTERS) {
                    id = taken.nextClearBit(0);
                }
                reserved.set(id);
                if (id >= Abi.MAX_COUNTERS) {
                    throw new IllegalStateException("more than " + Abi.MAX_COUNTERS + " rules need counters on one interface");
                }
                next.put(key, id);
                taken.set(id);
            }
            out[i] = id;
        }
        return new CounterIds(next, out);
    }

    /** An assignment known from the kernel (xg_counter_keys after a restart): ids for these keys, no rule set yet. */
    public static CounterIds seeded(Map<String, Integer> byKey) {
        return new CounterIds(byKey, new int[0]);
    }

    /** Whether rule key {@code key} had counter {@code id} in this assignment (else its counters start at zero). */
    public boolean had(String key, int id) {
        Integer known = byKey.get(key);
        return known != null && known == id;
    }
}
