package io.xdpguard.agent.dataplane.compile;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The de-duplicated rule bit-vectors of one rule set, each stored sparsely the way the kernel reads it: a header (two
 * summary words: which 64-bit words are non-zero; two candidate words: which words hold a rule whose primary
 * dimension is the vector's; where each half's words start) and its non-zero words in one pool.
 */
public final class VectorTable {
    /**
     * A vector as the kernel sees it: its bits, and bit w of {@code candidates} set when word w holds a rule that is
     * primary in the dimension the vector is looked up in (see {@link RuleCompiler#primaryDimension}).
     */
    public record Vector(BitSet bits, BitSet candidates) {
    }

    private final Map<Vector, Integer> ids = new HashMap<>();
    private final List<Vector> vectors = new ArrayList<>();

    /** A table holding {@code vectors} as vectors 0.. in order (distinct, never modified afterwards). */
    static VectorTable copyOf(List<Vector> vectors) {
        VectorTable table = new VectorTable();
        for (Vector v : vectors) {
            table.ids.put(v, table.vectors.size());
            table.vectors.add(v);
        }
        return table;
    }

    /**
     * The id of a vector with exactly these bits, looked up in a dimension whose primary rules are {@code primary};
     * the caller must not modify {@code bits} afterwards.
     */
    public int intern(BitSet bits, BitSet primary) {
        BitSet candidates = new BitSet(Abi.WORDS_PER_VECTOR);
        long[] words = bits.toLongArray();
        long[] primaryWords = primary.toLongArray();
        for (int w = 0; w < Math.min(words.length, primaryWords.length); w++) {
            if ((words[w] & primaryWords[w]) != 0) {
                candidates.set(w);
            }
        }
        Vector vector = new Vector(bits, candidates);
        Integer id = ids.get(vector);
        if (id != null) {
            return id;
        }
        int next = vectors.size();
        ids.put(vector, next);
        vectors.add(vector);
        return next;
    }

    public BitSet bits(int id) {
        return vectors.get(id).bits();
    }

    /** Vectors 0.. in id order. */
    public List<Vector> vectors() {
        return List.copyOf(vectors);
    }

    public int size() {
        return vectors.size();
    }

    /**
     * The kernel layout: per vector summary, candidate summary, the start of each half's words and the rule it
     * decides (its lowest, when in {@code addressFree}: rules no address can exclude), and the pool.
     */
    public Layout layout(BitSet addressFree) {
        int count = vectors.size();
        long[] summary0 = new long[count];
        long[] summary1 = new long[count];
        long[] candidates0 = new long[count];
        long[] candidates1 = new long[count];
        int[] wordsBase0 = new int[count];
        int[] wordsBase1 = new int[count];
        int[] decides = new int[count];
        long[] pool = new long[Math.max(1, vectors.stream().mapToInt(v -> nonZeroWords(v.bits())).sum())];
        int next = 0;
        for (int v = 0; v < count; v++) {
            long[] words = vectors.get(v).bits().toLongArray();
            long[] candidates = vectors.get(v).candidates().toLongArray();
            candidates0[v] = candidates.length > 0 ? candidates[0] : 0;
            candidates1[v] = candidates.length > 1 ? candidates[1] : 0;
            wordsBase0[v] = next;
            for (int w = 0; w < words.length; w++) {
                if (w == 64) {
                    wordsBase1[v] = next;
                }
                if (words[w] != 0) {
                    if (w < 64) {
                        summary0[v] |= 1L << w;
                    } else {
                        summary1[v] |= 1L << (w - 64);
                    }
                    pool[next++] = words[w];
                }
            }
            if (words.length <= 64) {
                wordsBase1[v] = next;
            }
            int lowest = vectors.get(v).bits().nextSetBit(0);
            decides[v] = lowest >= 0 && addressFree.get(lowest) ? lowest : -1;
        }
        return new Layout(summary0, summary1, candidates0, candidates1, wordsBase0, wordsBase1, decides, pool, next);
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

    /**
     * Vector headers and the word pool, slot-local (the writer adds the slot's offsets). {@code decides}: -1 for none
     * (XG_NO_RULE).
     */
    public record Layout(long[] summary0, long[] summary1, long[] candidates0, long[] candidates1, int[] wordsBase0,
            int[] wordsBase1, int[] decides, long[] words, int wordCount) {
    }
}
