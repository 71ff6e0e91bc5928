package io.xdpguard.agent.dataplane.compile;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The de-duplicated rule bit-vectors of one rule set, each stored sparsely the way the kernel reads it: a header
 * (two summary words: which 64-bit words are non-zero; the index of its first word) and its non-zero words in one pool.
 */
public final class VectorTable {
    private final Map<BitSet, Integer> ids = new HashMap<>();
    private final List<BitSet> vectors = new ArrayList<>();

    /** A table holding {@code bits} as vectors 0.. in order (distinct, never modified afterwards). */
    static VectorTable copyOf(List<BitSet> bits) {
        VectorTable table = new VectorTable();
        for (BitSet b : bits) {
            table.intern(b);
        }
        return table;
    }

    /** The id of a vector with exactly these bits; the caller must not modify {@code bits} afterwards. */
    public int intern(BitSet bits) {
        Integer id = ids.get(bits);
        if (id != null) {
            return id;
        }
        int next = vectors.size();
        ids.put(bits, next);
        vectors.add(bits);
        return next;
    }

    public BitSet bits(int id) {
        return vectors.get(id);
    }

    public int size() {
        return vectors.size();
    }

    /** The kernel layout: per vector summary[0], summary[1] and words base, and the word pool. */
    public Layout layout() {
        long[] summary0 = new long[vectors.size()];
        long[] summary1 = new long[vectors.size()];
        int[] wordsBase = new int[vectors.size()];
        long[] pool = new long[Math.max(1, vectors.stream().mapToInt(VectorTable::nonZeroWords).sum())];
        int next = 0;
        for (int v = 0; v < vectors.size(); v++) {
            long[] words = vectors.get(v).toLongArray();
            wordsBase[v] = next;
            for (int w = 0; w < words.length; w++) {
                if (words[w] != 0) {
                    if (w < 64) {
                        summary0[v] |= 1L << w;
                    } else {
                        summary1[v] |= 1L << (w - 64);
                    }
                    pool[next++] = words[w];
                }
            }
        }
        return new Layout(summary0, summary1, wordsBase, pool, next);
    }

    private static int nonZeroWords(BitSet bits) {
        int count = 0;
        for (long word : bits.toLongArray()) {
            if (word != 0) {
                count++;
            }
        }
        return count;
    }

    /** Vector headers and the word pool, slot-local (the writer adds the slot's offsets). */
    public record Layout(long[] summary0, long[] summary1, int[] wordsBase, long[] words, int wordCount) {
    }
}
