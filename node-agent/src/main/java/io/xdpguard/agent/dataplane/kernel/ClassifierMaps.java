package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.Reason;
import io.xdpguard.agent.dataplane.compile.Abi;
import io.xdpguard.agent.dataplane.compile.CompiledRule;
import io.xdpguard.agent.dataplane.compile.CompiledRuleSet;
import io.xdpguard.agent.dataplane.compile.Dir6Table;
import io.xdpguard.agent.dataplane.compile.Ipv4Direct;
import io.xdpguard.agent.dataplane.compile.Ipv6Direct;
import io.xdpguard.agent.dataplane.compile.PrefixTable;
import io.xdpguard.agent.dataplane.compile.SlotCapacity;
import io.xdpguard.agent.dataplane.compile.VectorTable;
import io.xdpguard.agent.dataplane.libbpf.BpfMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * The classifier's maps, typed: writes a compiled rule set into one slot, flips the active slot, reads counters.
 * Only the inactive slot is ever written, so a packet sees either the old rule set or the new one, never a mix.
 */
public final class ClassifierMaps {
    static final int SLOT_CONFIG_SIZE = 96;
    static final int VEC_HDR_SIZE = 48;
    static final int RULE_SIZE = 24;
    static final int RULE_STATS_SIZE = 24;
    static final int COUNTER_SIZE = 16;
    static final int LPM4_KEY_SIZE = 12;
    static final int LPM6_KEY_SIZE = 24;
    static final int HOST_KEY_SIZE = 20;
    static final int DIR24_CHUNK_SIZE = 1024;
    static final int L4_ENTRY_SIZE = 8;
    static final int DIR6_WAY_SIZE = 16;
    static final int DIR6_BUCKET_SIZE = Abi.DIR6_WAYS * DIR6_WAY_SIZE;

    private final BpfMap active;
    private final BpfMap slotConfig;
    private final BpfMap vecHdr;
    private final BpfMap vecWords;
    private final BpfMap rules;
    private final BpfMap ruleStats;
    private final BpfMap stats;
    private final BpfMap src4;
    private final BpfMap src6;
    private final BpfMap dst4;
    private final BpfMap dst6;
    private final BpfMap src4Dir;
    private final BpfMap dst4Dir;
    private final BpfMap src4Dir24;
    private final BpfMap dst4Dir24;
    private final BpfMap src6Dir;
    private final BpfMap dst6Dir;
    private final BpfMap srcHost;
    private final BpfMap dstHost;
    private final BpfMap l4;
    private final BpfMap sport;
    private final BpfMap rlRule;
    private final BpfMap barrier;
    private final byte[] barrierInnerFd;
    private final BpfMap owner;
    private final BpfMap counterKeys;

    public ClassifierMaps(Function<String, BpfMap> maps) {
        active = maps.apply("xg_active");
        slotConfig = maps.apply("xg_slot_config");
        vecHdr = maps.apply("xg_vec_hdr");
        vecWords = maps.apply("xg_vec_words");
        rules = maps.apply("xg_rules");
        ruleStats = maps.apply("xg_rule_stats");
        stats = maps.apply("xg_stats");
        src4 = maps.apply("xg_src4");
        src6 = maps.apply("xg_src6");
        dst4 = maps.apply("xg_dst4");
        dst6 = maps.apply("xg_dst6");
        src4Dir = maps.apply("xg_src4_dir");
        dst4Dir = maps.apply("xg_dst4_dir");
        src4Dir24 = maps.apply("xg_src4_dir24");
        dst4Dir24 = maps.apply("xg_dst4_dir24");
        src6Dir = maps.apply("xg_src6_dir");
        dst6Dir = maps.apply("xg_dst6_dir");
        srcHost = maps.apply("xg_src_host");
        dstHost = maps.apply("xg_dst_host");
        l4 = maps.apply("xg_l4");
        sport = maps.apply("xg_sport");
        rlRule = maps.apply("xg_rl_rule");
        barrier = maps.apply("xg_barrier");
        barrierInnerFd = Encoding.u32(maps.apply("xg_barrier_inner").fd());
        owner = maps.apply("xg_owner");
        counterKeys = maps.apply("xg_counter_keys");
    }

    static final long OWNER_MAGIC = 0x7864706775617264L;
    static final int ABI_VERSION = 10;
    static final int OWNER_SIZE = 96;
    static final int COUNTER_KEY_SIZE = 256;

    /**
     * struct xg_owner: proves that pinned maps are xdpguard's and says what is in force.
     *
     * @param objectSha256  SHA-256 of the object whose program is attached
     * @param ruleSetSha256 SHA-256 of the InterfacePlan.ruleSetId in force; all zero while a change is in flight
     *                      (then nothing is known to be in force and the next apply writes in full)
     */
    public record Owner(long magic, int abiVersion, int ifindex, String ifname, byte[] objectSha256,
            byte[] ruleSetSha256) {
        public static Owner of(int ifindex, String ifname, byte[] objectSha256, byte[] ruleSetSha256) {
            return new Owner(OWNER_MAGIC, ABI_VERSION, ifindex, ifname, objectSha256, ruleSetSha256);
        }

        public boolean valid() {
            return magic == OWNER_MAGIC;
        }

        public Owner withRuleSet(byte[] sha) {
            return new Owner(magic, abiVersion, ifindex, ifname, objectSha256, sha);
        }

        public Owner withObject(byte[] sha) {
            return new Owner(magic, abiVersion, ifindex, ifname, sha, ruleSetSha256);
        }

        public Owner withInterface(int index, String name) {
            return new Owner(magic, abiVersion, index, name, objectSha256, ruleSetSha256);
        }
    }

    public Owner owner() {
        return decodeOwner(owner.lookup(Encoding.u32(0)).orElse(new byte[OWNER_SIZE]));
    }

    /** Reads xg_owner[0] of any map (e.g. one found through a program's map ids); empty when not an xg_owner. */
    public static java.util.Optional<Owner> readOwner(BpfMap map) {
        if (!"xg_owner".equals(map.name()) || map.valueSize() != OWNER_SIZE || map.keySize() != 4) {
            return java.util.Optional.empty();
        }
        return map.lookup(Encoding.u32(0)).map(ClassifierMaps::decodeOwner);
    }

    static Owner decodeOwner(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v).order(java.nio.ByteOrder.nativeOrder());
        long magic = b.getLong(0);
        int abi = b.getInt(8);
        int ifindex = b.getInt(12);
        int n = 0;
        while (n < 16 && v[16 + n] != 0) {
            n++;
        }
        String name = new String(v, 16, n, java.nio.charset.StandardCharsets.UTF_8);
        return new Owner(magic, abi, ifindex, name, java.util.Arrays.copyOfRange(v, 32, 64),
                java.util.Arrays.copyOfRange(v, 64, 96));
    }

    public void writeOwner(Owner o) {
        ByteBuffer b = Encoding.buffer(OWNER_SIZE).putLong(o.magic()).putInt(o.abiVersion()).putInt(o.ifindex());
        byte[] name = o.ifname() == null ? new byte[0] : o.ifname().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        b.put(java.util.Arrays.copyOf(name, 16));
        b.put(java.util.Arrays.copyOf(o.objectSha256(), 32)).put(java.util.Arrays.copyOf(o.ruleSetSha256(), 32));
        owner.update(Encoding.u32(0), b.array());
    }

    /** xg_counter_keys: counter id to the rule key holding it. */
    public Map<Integer, String> counterKeys() {
        Map<Integer, String> out = new HashMap<>();
        for (byte[] key : counterKeys.keyList()) {
            counterKeys.lookup(key).ifPresent(v -> {
                int n = 0;
                while (n < v.length && v[n] != 0) {
                    n++;
                }
                out.put(Encoding.readU32(key, 0), new String(v, 0, n, java.nio.charset.StandardCharsets.UTF_8));
            });
        }
        return out;
    }

    public void putCounterKey(int counterId, String ruleKey) {
        byte[] bytes = ruleKey.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        // NUL-terminated; a key longer than 255 bytes is truncated (its counters then restart after an agent restart)
        byte[] value = new byte[COUNTER_KEY_SIZE];
        System.arraycopy(bytes, 0, value, 0, Math.min(bytes.length, COUNTER_KEY_SIZE - 1));
        counterKeys.update(Encoding.u32(counterId), value);
    }

    public void deleteCounterKey(int counterId) {
        counterKeys.delete(Encoding.u32(counterId));
    }

    /** Rules in force in {@code slot} (xg_slot_config.rule_count). */
    public int ruleCount(int slot) {
        return slotConfig.lookup(Encoding.u32(slot)).map(v -> Encoding.readU32(v, 0)).orElse(0);
    }

    /** Exact-address entries one slot may hold per address dimension (the smaller host map, halved). */
    public int hostCapacityPerSlot() {
        return MapCapacities.hostsPerSlot(Math.min(srcHost.maxEntries(), dstHost.maxEntries()));
    }

    /**
     * IPv4 /24 chunks one slot holds per address dimension. The program was loaded with the same count as its bound
     * (both set together before load, {@link MapCapacities}), so the maps alone say it, also for adopted pins.
     */
    public int chunkCapacityPerSlot() {
        return MapCapacities.chunksPerSlot(Math.min(src4Dir24.maxEntries(), dst4Dir24.maxEntries()));
    }

    /** IPv6 /32 and /48 entries one slot may use per address dimension (the smaller dir6 table's ways per slot, halved). */
    public int ipv6BlockCapacityPerSlot() {
        return MapCapacities.ipv6BlocksPerSlot(Math.min(src6Dir.maxEntries(), dst6Dir.maxEntries()));
    }

    /** What a compile for these maps may use of one slot. */
    public SlotCapacity slotCapacity() {
        return new SlotCapacity(hostCapacityPerSlot(), chunkCapacityPerSlot(), ipv6BlockCapacityPerSlot());
    }

    /** How much of one slot {@code compiled} takes, table by table (the names of {@link Dataplane.Counters}). */
    public Map<String, Dataplane.Occupancy> occupancy(CompiledRuleSet compiled) {
        Map<String, Dataplane.Occupancy> out = new java.util.LinkedHashMap<>();
        out.put("rules", new Dataplane.Occupancy(compiled.ruleCount(), rules.maxEntries() / Abi.SLOTS));
        out.put("vectors", new Dataplane.Occupancy(compiled.vectorCount(), vecHdr.maxEntries() / Abi.SLOTS));
        out.put("vector_words", new Dataplane.Occupancy(compiled.vectors().wordCount(), vecWords.maxEntries() / Abi.SLOTS));
        out.put("src_prefixes", new Dataplane.Occupancy(compiled.src4().size() + compiled.src6().size(),
                Math.min(src4.maxEntries(), src6.maxEntries()) / Abi.SLOTS));
        out.put("src_hosts", new Dataplane.Occupancy(compiled.srcHosts().size(), srcHost.maxEntries() / Abi.SLOTS));
        out.put("dst_prefixes", new Dataplane.Occupancy(compiled.dst4().size() + compiled.dst6().size(),
                Math.min(dst4.maxEntries(), dst6.maxEntries()) / Abi.SLOTS));
        out.put("dst_hosts", new Dataplane.Occupancy(compiled.dstHosts().size(), dstHost.maxEntries() / Abi.SLOTS));
        // /16s with a longer prefix inside that got a /24 chunk; once full, further ones are left to the trie
        out.put("src_chunks", new Dataplane.Occupancy(compiled.src4Direct().chunkCount(),
                MapCapacities.chunksPerSlot(src4Dir24.maxEntries())));
        out.put("dst_chunks", new Dataplane.Occupancy(compiled.dst4Direct().chunkCount(),
                MapCapacities.chunksPerSlot(dst4Dir24.maxEntries())));
        // IPv6 /32s and /48s with an entry; once full, further ones are left to the trie
        out.put("src_ipv6_blocks", new Dataplane.Occupancy(compiled.src6Direct().size(),
                MapCapacities.ipv6BlocksPerSlot(src6Dir.maxEntries())));
        out.put("dst_ipv6_blocks", new Dataplane.Occupancy(compiled.dst6Direct().size(),
                MapCapacities.ipv6BlocksPerSlot(dst6Dir.maxEntries())));
        return out;
    }

    /** The slot packets are classified with now, and the generation counter of the last switch. */
    public record Active(int slot, int generation) {
    }

    public Active active() {
        byte[] value = active.lookup(Encoding.u32(0)).orElseThrow();
        return new Active(Encoding.readU32(value, 0), Encoding.readU32(value, 4));
    }

    /** The atomic switch: one 8-byte array update that every following packet reads first. */
    public void activate(int slot, int generation) {
        active.update(Encoding.u32(0), Encoding.buffer(8).putInt(slot).putInt(generation).array());
    }

    /**
     * Returns once no packet that started before the last {@link #activate} is still being classified: the kernel
     * waits for an RCU grace period on every update of a map-in-map. Only then may the old slot be rewritten.
     */
    public void awaitInFlightPackets() {
        barrier.update(Encoding.u32(0), barrierInnerFd);
    }

    /**
     * Writes {@code next} into {@code slot}, which must not be the active one.
     *
     * @param previous  what the slot holds now, to write only the difference; null when unknown (after a restart),
     *                  then the slot's address entries are found by iterating the maps
     * @param slotEmpty the slot's address entries are known to be none (maps created by this process, slot never
     *                  written), so a null {@code previous} needs no iteration over the maps' keys
     * @param memoEpoch the generation that will activate the slot ({@link #nextGeneration}): the program's search memo
     *                  (xg_memo) never answers a packet of this slot with what it remembered under another epoch
     */
    public void writeSlot(int slot, CompiledRuleSet next, CompiledRuleSet previous, boolean slotEmpty, int memoEpoch) {
        writeVectors(slot, next.vectors(), previous == null ? null : previous.vectors());
        writeRules(slot, next.rules(), previous == null ? null : previous.rules());
        for (int c = 0; c < Abi.L4_CLASSES; c++) {
            writeL4(slot * Abi.L4_ENTRIES + c * 65536, next.l4()[c], next.l4SportDefault()[c],
                    previous == null ? null : previous.l4()[c], previous == null ? null : previous.l4SportDefault()[c]);
        }
        writeArray(sport, slot * Abi.SPORT_ENTRIES, next.sport(), previous == null ? null : previous.sport());
        int chunks = chunkCapacityPerSlot();
        writeDirect(src4Dir, src4Dir24, slot, chunks, next.src4Direct(), previous == null ? null : previous.src4Direct());
        writeDirect(dst4Dir, dst4Dir24, slot, chunks, next.dst4Direct(), previous == null ? null : previous.dst4Direct());
        writeIpv6Direct(src6Dir, slot, next.src6Direct(), previous == null ? null : previous.src6Direct(), slotEmpty);
        writeIpv6Direct(dst6Dir, slot, next.dst6Direct(), previous == null ? null : previous.dst6Direct(), slotEmpty);
        writePrefixes(src4, slot, next.src4(), previous == null ? null : previous.src4(), true, slotEmpty);
        writePrefixes(src6, slot, next.src6(), previous == null ? null : previous.src6(), true, slotEmpty);
        writePrefixes(dst4, slot, next.dst4(), previous == null ? null : previous.dst4(), true, slotEmpty);
        writePrefixes(dst6, slot, next.dst6(), previous == null ? null : previous.dst6(), true, slotEmpty);
        writePrefixes(srcHost, slot, next.srcHosts(), previous == null ? null : previous.srcHosts(), false, slotEmpty);
        writePrefixes(dstHost, slot, next.dstHosts(), previous == null ? null : previous.dstHosts(), false, slotEmpty);
        ByteBuffer config = Encoding.buffer(SLOT_CONFIG_SIZE)
                .putInt(next.ruleCount()).putInt(next.dimsUsed()).putInt(next.defaultAction());
        for (int v : next.defaultVec()) {
            config.putInt(v);
        }
        config.putInt(next.catchAll()); // -1 is XG_NO_RULE
        config.putInt(next.src6Direct().miss()).putInt(next.dst6Direct().miss()); // dir6_miss[XG_DIM_SRC], [XG_DIM_DST]
        config.putInt(next.src6Direct().missUpTo()).putInt(next.dst6Direct().missUpTo()); // dir6_miss_upto[...]
        Dir6Table src6 = next.src6Direct().table();
        Dir6Table dst6 = next.dst6Direct().table();
        config.putLong(src6.mult0()).putLong(src6.mult1()).putLong(dst6.mult0()).putLong(dst6.mult1()); // dir6_mult
        config.putInt(src6.bucketBits()); // dir6_bucket_bits (both tables are sized alike)
        config.putInt(next.enforcedVec()).putInt(next.catchAllEnforced()); // -1: XG_VEC_NONE / XG_NO_RULE
        config.putInt(memoEpoch);
        slotConfig.update(Encoding.u32(slot), config.array());
    }

    /**
     * The generation of the next switch after {@code active}: one more, never 0 (an unwritten memo entry's key), so
     * that no two switches in 2^32 - 1 share one. It is also the memo epoch of the slot that switch activates,
     * written with that slot's config: a slot is only written while inactive, so no slot content packets read has
     * the epoch of another.
     */
    public static int nextGeneration(Active active) {
        int next = active.generation() + 1;
        return next == 0 ? 1 : next;
    }

    /** Vector headers and words that differ from what the slot holds ({@code previous}; all when null). */
    private void writeVectors(int slot, VectorTable.Layout next, VectorTable.Layout previous) {
        int count = next.summary0().length;
        IntPredicate headerDiffers = v -> previous == null || v >= previous.summary0().length
                || next.summary0()[v] != previous.summary0()[v] || next.summary1()[v] != previous.summary1()[v]
                || next.candidates0()[v] != previous.candidates0()[v] || next.candidates1()[v] != previous.candidates1()[v]
                || next.wordsBase0()[v] != previous.wordsBase0()[v] || next.wordsBase1()[v] != previous.wordsBase1()[v]
                || next.decides()[v] != previous.decides()[v];
        int[] headers = IntStream.range(0, count).filter(headerDiffers).toArray();
        if (headers.length > 0) {
            ByteBuffer keys = Encoding.buffer(headers.length * 4);
            ByteBuffer values = Encoding.buffer(headers.length * VEC_HDR_SIZE);
            for (int v : headers) {
                keys.putInt(slot * Abi.MAX_VECTORS + v);
                values.putLong(next.summary0()[v]).putLong(next.summary1()[v])
                        .putLong(next.candidates0()[v]).putLong(next.candidates1()[v])
                        .putInt(slot * Abi.MAX_WORDS + next.wordsBase0()[v])
                        .putInt(slot * Abi.MAX_WORDS + next.wordsBase1()[v])
                        .putInt(next.decides()[v]).putInt(0); // -1: XG_NO_RULE; pad
            }
            vecHdr.updateBatch(keys.array(), values.array(), headers.length, BpfMap.UpdateFlag.ANY);
        }
        int[] words = IntStream.range(0, next.wordCount()).filter(w -> previous == null || w >= previous.wordCount()
                || next.words()[w] != previous.words()[w]).toArray();
        if (words.length > 0) {
            ByteBuffer keys = Encoding.buffer(words.length * 4);
            ByteBuffer values = Encoding.buffer(words.length * 8);
            for (int w : words) {
                keys.putInt(slot * Abi.MAX_WORDS + w);
                values.putLong(next.words()[w]);
            }
            vecWords.updateBatch(keys.array(), values.array(), words.length, BpfMap.UpdateFlag.ANY);
        }
    }

    /** Rule entries that differ from what the slot holds ({@code previous}; all when null). */
    private void writeRules(int slot, List<CompiledRule> next, List<CompiledRule> previous) {
        int[] changed = IntStream.range(0, next.size())
                .filter(i -> previous == null || i >= previous.size() || !next.get(i).equals(previous.get(i))).toArray();
        if (changed.length == 0) {
            return;
        }
        ByteBuffer keys = Encoding.buffer(changed.length * 4);
        ByteBuffer values = Encoding.buffer(changed.length * RULE_SIZE);
        for (int i : changed) {
            CompiledRule r = next.get(i);
            keys.putInt(slot * Abi.MAX_RULES + i);
            values.putInt(r.counterId()).put((byte) r.action()).put((byte) r.flags()).putShort((short) r.filterIndex())
                    .putInt(r.sampleRate()).putInt((int) r.ratePps()).putInt((int) r.rateBurst()).putInt(0);
        }
        rules.updateBatch(keys.array(), values.array(), changed.length, BpfMap.UpdateFlag.ANY);
    }

    /**
     * The IPv4 direct tables of one dimension. They are a function of the LPM and host tables: unchanged tables (the
     * same objects) hold the same values, so a slot holding them needs no write; otherwise the entries that differ.
     * The /24 chunks beyond those {@code next} uses are left as they are: no /16 entry of the slot points there.
     *
     * @param chunksPerSlot the maps' chunks per slot: where the slot's chunks start, and how many fit
     */
    private static void writeDirect(BpfMap sixteens, BpfMap chunks, int slot, int chunksPerSlot, Ipv4Direct next,
            Ipv4Direct previous) {
        if (next == previous) {
            return;
        }
        if (next.chunkCount() > chunksPerSlot) {
            // more would spill into the other slot's chunks, which may be the live ones
            throw new IllegalArgumentException("the compiled IPv4 tables use " + next.chunkCount()
                    + " /24 chunks, the maps hold " + chunksPerSlot + " per slot");
        }
        writeChunks(chunks, slot * chunksPerSlot, next.chunks(), previous == null ? null : previous.chunks());
        writeArray(sixteens, slot * Abi.DIR4_ENTRIES, next.sixteens(), previous == null ? null : previous.sixteens());
    }

    /**
     * The IPv6 direct stage of one dimension, a function of the LPM and host tables like the IPv4 tables: unchanged
     * (the same object), nothing to write; otherwise the buckets of its cuckoo table that differ from the slot's.
     *
     * @param previous  what the slot holds; null when unknown (every bucket is written) or empty
     * @param slotEmpty the slot holds no entry (maps created by this process, slot never written)
     */
    private static void writeIpv6Direct(BpfMap map, int slot, Ipv6Direct next, Ipv6Direct previous, boolean slotEmpty) {
        if (next == previous) {
            return;
        }
        Dir6Table table = next.table();
        int buckets = map.maxEntries() / Abi.SLOTS;
        if (table.buckets() != buckets) {
            // another size would put buckets where the kernel does not look, or into the other slot
            throw new IllegalArgumentException("the compiled IPv6 stage has " + table.buckets() + " buckets, the maps "
                    + buckets + " per slot");
        }
        int[] occupants = table.occupants();
        int[] changed = table.changedBuckets(occupants, previous != null ? previous.table() : null, slotEmpty);
        writeAt(map, slot * buckets, changed, DIR6_BUCKET_SIZE, (values, b) -> table.writeBucket(values, b, occupants));
    }

    /**
     * Writes the /24 chunks (256 entries, one map element each) of {@code next} that differ from {@code previous} (all
     * of them when it is unknown, and those beyond its length), at map keys from {@code base}.
     */
    private static void writeChunks(BpfMap map, int base, int[] next, int[] previous) {
        if (next == previous) {
            return;
        }
        int[] changed = IntStream.range(0, next.length / 256).filter(c -> previous == null || (c + 1) * 256 > previous.length
                || Arrays.mismatch(next, c * 256, (c + 1) * 256, previous, c * 256, (c + 1) * 256) >= 0).toArray();
        writeAt(map, base, changed, DIR24_CHUNK_SIZE, (values, c) -> {
            for (int e = c * 256; e < (c + 1) * 256; e++) {
                values.putInt(next[e]);
            }
        });
    }

    /**
     * One L4 class's struct xg_l4_entry {vec, vec_sport_default} where either differs from what the slot holds
     * ({@code previousVec}, {@code previousAnd}; everywhere when unknown).
     */
    private void writeL4(int base, int[] nextVec, int[] nextAnd, int[] previousVec, int[] previousAnd) {
        if (nextVec == previousVec && nextAnd == previousAnd) {
            return;
        }
        int[] changed = IntStream.concat(Arrays.stream(differingIndexes(nextVec, previousVec)),
                Arrays.stream(differingIndexes(nextAnd, previousAnd))).sorted().distinct().toArray();
        writeAt(l4, base, changed, L4_ENTRY_SIZE, (values, i) -> values.putInt(nextVec[i]).putInt(nextAnd[i]));
    }

    /**
     * Writes the entries of {@code next} that differ from {@code previous} (all of them when it is unknown, and those
     * beyond its length).
     */
    private static void writeArray(BpfMap map, int base, int[] next, int[] previous) {
        if (next == previous) {
            return;
        }
        writeAt(map, base, differingIndexes(next, previous), 4, (values, i) -> values.putInt(next[i]));
    }

    /** What element i of an array map holds, appended to a batch's values. */
    private interface ElementValue {
        void write(ByteBuffer values, int i);
    }

    /** Writes the array elements {@code base + i} for each i of {@code changed}, in one batch. */
    private static void writeAt(BpfMap map, int base, int[] changed, int valueSize, ElementValue value) {
        if (changed.length == 0) {
            return;
        }
        ByteBuffer keys = Encoding.buffer(changed.length * 4);
        ByteBuffer values = Encoding.buffer(changed.length * valueSize);
        for (int i : changed) {
            keys.putInt(base + i);
            value.write(values, i);
        }
        map.updateBatch(keys.array(), values.array(), changed.length, BpfMap.UpdateFlag.ANY);
    }

    /**
     * Where {@code next} differs from {@code previous} (everywhere when null). A change touches a few of an array's
     * 65,536 entries: {@link Arrays#mismatch} (vectorized) skips the equal stretches, and the result is sized to the
     * difference, not to the array.
     */
    static int[] differingIndexes(int[] next, int[] previous) {
        if (previous == null) {
            return IntStream.range(0, next.length).toArray();
        }
        IntStream.Builder changed = IntStream.builder();
        int common = Math.min(next.length, previous.length);
        int i = 0;
        while (i < common) {
            int mismatch = Arrays.mismatch(next, i, common, previous, i, common);
            if (mismatch < 0) {
                break;
            }
            i += mismatch;
            changed.add(i++);
        }
        for (int j = common; j < next.length; j++) {
            changed.add(j);
        }
        return changed.build().toArray();
    }

    private static void writePrefixes(BpfMap map, int slot, PrefixTable next, PrefixTable previous, boolean lpm,
            boolean slotEmpty) {
        if (next == previous) {
            // The slot already holds exactly this table (the compiler reused its address dimensions): nothing to
            // write. Diffing 1,000,000 entries instead costs seconds, most of a one-rule change.
            return;
        }
        Map<ByteBuffer, Integer> stale = previous != null ? entries(previous, slot, lpm)
                : slotEmpty ? new HashMap<>() : slotKeys(map, slot, lpm);
        int keySize = map.keySize();
        ByteBuffer keys = Encoding.buffer(next.size() * keySize);
        ByteBuffer values = Encoding.buffer(next.size() * 4);
        int count = 0;
        for (int i = 0; i < next.size(); i++) {
            byte[] key = key(next, i, slot, lpm);
            // Hashing a million keys only to find an empty map costs ~0.1 s of a first load.
            Integer old = stale.isEmpty() ? null : stale.remove(ByteBuffer.wrap(key));
            if (old == null || old != next.value(i)) {
                keys.put(key);
                values.putInt(next.value(i));
                count++;
            }
        }
        // Stale entries go first: the slot is inactive, and a slot using its whole share of a map (a big CIDR set's
        // hosts fill the host hash's) would otherwise need room for its old and new entries at once.
        for (ByteBuffer key : stale.keySet()) {
            map.delete(key.array());
        }
        if (lpm) {
            if (count > 0) {
                map.updateBatch(keys.array(), values.array(), count, BpfMap.UpdateFlag.ANY);
            }
        } else {
            writeHash(map, keys.array(), values.array(), count);
        }
    }

    /** The first {@code count} entries into a hash map: one batch, or for many, {@link #writeInParts}. */
    private static void writeHash(BpfMap map, byte[] keys, byte[] values, int count) {
        if (count == 0) {
            return;
        }
        if (count < 2 * BpfMap.BATCH_CHUNK) {
            map.updateBatch(keys, values, count, BpfMap.UpdateFlag.ANY);
        } else {
            writeInParts(map, keys, values, count);
        }
    }

    /**
     * A large host-hash write split between this thread and the common pool: the kernel locks a hash map per bucket,
     * so inserts from several CPUs proceed side by side (an LPM trie has one lock: its writes stay in one piece).
     * Order does not matter, the keys are distinct and the slot is inactive.
     */
    private static void writeInParts(BpfMap map, byte[] keys, byte[] values, int count) {
        int parts = Math.min(Math.max(2, ForkJoinPool.getCommonPoolParallelism() + 1), count / BpfMap.BATCH_CHUNK);
        int per = (count + parts - 1) / parts;
        List<CompletableFuture<Void>> others = new ArrayList<>();
        for (int start = per; start < count; start += per) {
            int from = start;
            int n = Math.min(per, count - from);
            others.add(CompletableFuture.runAsync(() -> map.updateBatch(
                    Arrays.copyOfRange(keys, from * map.keySize(), (from + n) * map.keySize()),
                    Arrays.copyOfRange(values, from * map.valueSize(), (from + n) * map.valueSize()), n,
                    BpfMap.UpdateFlag.ANY)));
        }
        map.updateBatch(keys, values, per, BpfMap.UpdateFlag.ANY);
        try {
            CompletableFuture.allOf(others.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private static Map<ByteBuffer, Integer> entries(PrefixTable table, int slot, boolean lpm) {
        Map<ByteBuffer, Integer> out = new HashMap<>(table.size() * 2);
        for (int i = 0; i < table.size(); i++) {
            out.put(ByteBuffer.wrap(key(table, i, slot, lpm)), table.value(i));
        }
        return out;
    }

    /** Every key of {@code slot} in an address map; vector -1 so each is rewritten. */
    private static Map<ByteBuffer, Integer> slotKeys(BpfMap map, int slot, boolean lpm) {
        Map<ByteBuffer, Integer> out = new HashMap<>();
        for (byte[] key : map.keys()) {
            int keySlot = lpm ? key[7] & 0xff : Encoding.readU32(key, 0) & ~Abi.HOST_KEY_IPV6;
            if (keySlot == slot) {
                out.put(ByteBuffer.wrap(key), -1);
            }
        }
        return out;
    }

    /**
     * LPM: {prefixlen = 32 slot bits + prefix, slot big-endian, address}; host: {slot, | HOST_KEY_IPV6 for an IPv6
     * host, 16-byte address}.
     */
    private static byte[] key(PrefixTable table, int i, int slot, boolean lpm) {
        int width = table.width();
        if (lpm) {
            byte[] key = new byte[8 + width];
            ByteBuffer.wrap(key).order(java.nio.ByteOrder.nativeOrder()).putInt(32 + table.length(i));
            key[7] = (byte) slot;
            table.copyAddress(i, key, 8);
            return key;
        }
        byte[] key = new byte[HOST_KEY_SIZE];
        ByteBuffer.wrap(key).order(java.nio.ByteOrder.nativeOrder())
                .putInt(table.isIpv6Host(i) ? slot | Abi.HOST_KEY_IPV6 : slot);
        table.copyAddress(i, key, 4);
        return key;
    }

    /** A rule's counters summed over CPUs. */
    public RuleCounters ruleCounters(int counterId) {
        return ruleStats.lookupPerCpu(Encoding.u32(counterId)).map(perCpu -> {
            long packets = 0;
            long bytes = 0;
            long limited = 0;
            for (byte[] cpu : perCpu) {
                packets += Encoding.readU64(cpu, 0);
                bytes += Encoding.readU64(cpu, 8);
                limited += Encoding.readU64(cpu, 16);
            }
            return new RuleCounters(packets, bytes, limited);
        }).orElse(RuleCounters.ZERO);
    }

    /** Zeroes a counter id's statistics and rate-limit bucket before a new rule starts using it. */
    public void resetCounter(int counterId) {
        byte[][] zero = new byte[BpfMap.possibleCpus()][RULE_STATS_SIZE];
        ruleStats.updatePerCpu(Encoding.u32(counterId), zero, BpfMap.UpdateFlag.ANY);
        rlRule.update(Encoding.u32(counterId), new byte[rlRule.valueSize()]);
    }

    /** Packets and bytes per reason, summed over CPUs. */
    public ReasonCounters reasonCounters() {
        Map<Reason, long[]> out = new EnumMap<>(Reason.class);
        for (Reason reason : Reason.values()) {
            stats.lookupPerCpu(Encoding.u32(reason.ordinal())).ifPresent(perCpu -> {
                long[] sum = new long[2];
                for (byte[] cpu : perCpu) {
                    sum[0] += Encoding.readU64(cpu, 0);
                    sum[1] += Encoding.readU64(cpu, 8);
                }
                out.put(reason, sum);
            });
        }
        return new ReasonCounters(out);
    }

    /** Counter ids of every rule, for a caller that reads them all. */
    public List<RuleCounters> ruleCounters(int[] counterIds) {
        List<RuleCounters> out = new ArrayList<>(counterIds.length);
        for (int id : counterIds) {
            out.add(ruleCounters(id));
        }
        return out;
    }
}
