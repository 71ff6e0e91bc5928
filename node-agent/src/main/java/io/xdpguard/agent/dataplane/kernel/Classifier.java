package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.compile.CompiledRuleSet;
import io.xdpguard.agent.dataplane.compile.CounterIds;
import io.xdpguard.agent.dataplane.compile.RuleCompiler;
import io.xdpguard.agent.dataplane.libbpf.BpfMap;
import io.xdpguard.agent.dataplane.libbpf.BpfObjectFile;
import io.xdpguard.agent.dataplane.libbpf.BpfProgram;
import io.xdpguard.agent.dataplane.libbpf.RingBuffer;
import io.xdpguard.agent.dataplane.libbpf.TestRunResult;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.rules.RuleSetException;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.validation.Ports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * One instance of the XDP classifier (program and maps) and the rule set it enforces. {@link #apply} writes a new
 * rule set beside the live one and activates it with one atomic switch.
 *
 * <p>Two ways to get one: {@link #load} (a fresh load of an object, creating maps or reusing compatible pinned
 * ones) and {@link #adopt} (a program and maps opened from their pins, left there by a previous agent process: no
 * load, nothing in the kernel changes). After an adoption, or a load that reused pins, the slot contents are unknown
 * to this instance: the next apply writes the inactive slot in full. Counter ids are seeded from xg_counter_keys, so
 * counters continue across restarts.
 */
public final class Classifier implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Classifier.class.getName());
    /** The classifier object inside the agent's jar (built by the bpf module). */
    public static final String OBJECT_RESOURCE = "/io/xdpguard/bpf/xdpguard.bpf.o";
    public static final String PROGRAM_NAME = "xdpguard";
    /** Runs the waits that follow switches, off the caller's thread; shared by every classifier. */
    private static final ExecutorService SWITCH_BARRIERS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "xdpguard-switch-barrier");
        thread.setDaemon(true);
        return thread;
    });

    private final BpfObjectFile object;
    private final BpfProgram program;
    private final List<AutoCloseable> owned;
    private final ClassifierMaps maps;
    private final java.util.function.Function<String, BpfMap> mapsByName;
    private final CompiledRuleSet[] slots = new CompiledRuleSet[2];
    /** Per slot: its address maps hold nothing yet (maps created by this instance, slot never written). */
    private final boolean[] slotEmpty = new boolean[2];
    /** The last compile, whose address dimensions the next compile may reuse. */
    private CompiledRuleSet lastCompiled;
    /** The wait that follows the last switch (see {@link #apply}); done when there was none. */
    private CompletableFuture<Void> afterSwitch = CompletableFuture.completedFuture(null);
    private volatile Consumer<ClassifierMaps> inFlightWait = ClassifierMaps::awaitInFlightPackets;
    private RuleSet current;
    private CounterIds counterIds;

    private Classifier(BpfObjectFile object, BpfProgram program, java.util.function.Function<String, BpfMap> mapsByName,
            List<AutoCloseable> owned, boolean freshMaps) {
        this.object = object;
        this.mapsByName = mapsByName;
        ClassifierMaps maps = new ClassifierMaps(mapsByName);
        this.program = program;
        this.maps = maps;
        this.owned = owned;
        slotEmpty[0] = freshMaps;
        slotEmpty[1] = freshMaps;
        Map<Integer, String> persisted = maps.counterKeys();
        if (persisted.isEmpty()) {
            this.counterIds = CounterIds.NONE;
            this.current = RuleSet.empty();
        } else {
            Map<String, Integer> byKey = new HashMap<>();
            persisted.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> byKey.putIfAbsent(e.getValue(), e.getKey()));
            this.counterIds = CounterIds.seeded(byKey);
            this.current = null;
        }
    }

    private static Classifier fromObject(BpfObjectFile object, boolean freshMaps) {
        return new Classifier(object, object.program(PROGRAM_NAME), object::map, List.of(), freshMaps);
    }

    /**
     * Opens and loads the shipped classifier with {@link MapCapacities#DEFAULT}.
     *
     * @param pinDir where to pin (and from where to reuse) its maps; null for an unpinned instance (tests, trace)
     */
    public static Classifier load(Path pinDir) {
        return load(ObjectBytes.shipped(), pinDir, MapCapacities.DEFAULT);
    }

    /**
     * Opens and loads {@code object}; with {@code pinDir}, every map is pinned there, and maps already pinned there
     * are reused. Pinned maps that do not match the object's specs make it fail with
     * {@link IncompatiblePinsException} before anything is loaded.
     */
    public static Classifier load(ObjectBytes object, Path pinDir, MapCapacities capacities) {
        BpfObjectFile file = object.open();
        try {
            capacities.applyTo(file);
            if (pinDir != null) {
                List<String> incompatible = PinnedMaps.incompatible(file, pinDir);
                if (!incompatible.isEmpty()) {
                    throw new IncompatiblePinsException(pinDir, incompatible);
                }
                for (String name : PinnedMaps.names(file)) {
                    file.setPinPath(name, pinDir.resolve(name));
                }
            }
            // Unpinned maps, and pinned ones this load creates, are new, hence empty; maps pinned before may hold a
            // previous agent's entries.
            boolean freshMaps = pinDir == null
                    || PinnedMaps.names(file).stream().noneMatch(name -> Files.exists(pinDir.resolve(name)));
            file.load();
            // userspace-only metadata maps: bound, so that a program whose pins were lost still leads to them
            file.program(PROGRAM_NAME).bindMap(file.map("xg_owner"));
            file.program(PROGRAM_NAME).bindMap(file.map("xg_counter_keys"));
            return fromObject(file, freshMaps);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Takes over a program and maps another process loaded and pinned. Nothing in the kernel changes; this instance
     * owns (and closes) the descriptors.
     */
    public static Classifier adopt(BpfProgram program, Map<String, BpfMap> pinnedMaps) {
        List<AutoCloseable> owned = new java.util.ArrayList<>(pinnedMaps.values());
        owned.add(program);
        return new Classifier(null, program, name -> {
            BpfMap m = pinnedMaps.get(name);
            if (m == null) {
                throw new IllegalStateException("pinned map " + name + " missing");
            }
            return m;
        }, owned, false);
    }

    /** The result of one atomic switch. */
    public record Applied(int generation, int slot, CompiledRuleSet compiled, int[] counterIds) {
    }

    /**
     * Compiles and enforces {@code ruleSet}. On any failure before the switch, the previous rule set stays in force
     * untouched (only the inactive slot was written). Returns right after the switch: the wait until no packet is
     * still classified with the previous slot (an RCU grace period, ~5-30 ms) runs in the background, and whatever
     * writes this classifier's maps next waits for it first.
     */
    public Applied apply(RuleSet ruleSet) throws RuleSetException {
        return apply(ruleSet, null, CrashPoint.NONE);
    }

    /**
     * Like {@link #apply(RuleSet)}, and keeps xg_owner's rule-set digest truthful: zero (unknown) from just before
     * the switch until the new set is in force, then {@code ruleSetSha256}. Null leaves xg_owner alone.
     */
    public synchronized Applied apply(RuleSet ruleSet, byte[] ruleSetSha256, CrashPoint crash)
            throws RuleSetException {
        long started = System.nanoTime();
        CounterIds ids = counterIds.assign(ruleSet);
        CompiledRuleSet compiled = RuleCompiler.compile(ruleSet, ids.ids(), maps.slotCapacity(), lastCompiled);
        long compiledAt = System.nanoTime();
        awaitPreviousSwitch(); // the compile overlapped it; the writes below must not
        ClassifierMaps.Active active = maps.active();
        int target = 1 - active.slot();
        for (int i = 0; i < ids.ids().length; i++) {
            String key = ruleSet.rules().get(i).key();
            if (!counterIds.had(key, ids.ids()[i])) {
                maps.resetCounter(ids.ids()[i]);
                maps.putCounterKey(ids.ids()[i], key);
            }
        }
        writeInactive(active, compiled);
        crash.reached("slot-written");
        if (ruleSetSha256 != null) {
            maps.writeOwner(maps.owner().withRuleSet(new byte[32]));
        }
        long written = System.nanoTime();
        int generation = ClassifierMaps.nextGeneration(active); // the memo epoch writeInactive gave the slot
        maps.activate(target, generation);
        crash.reached("switched");
        LOG.log(System.Logger.Level.DEBUG, () -> String.format("rule set of %d rules: compiled in %.1f ms, slot %d written in %.1f ms",
                ruleSet.rules().size(), (compiledAt - started) / 1e6, target, (written - compiledAt) / 1e6));
        if (ruleSetSha256 != null) {
            maps.writeOwner(maps.owner().withRuleSet(ruleSetSha256));
        }
        Set<Integer> inUse = new HashSet<>();
        for (int id : ids.ids()) {
            inUse.add(id);
        }
        // a removed rule's counter key goes once no packet can count into it any more
        List<Integer> stale = counterIds.byKey().values().stream().filter(id -> !inUse.contains(id)).toList();
        current = ruleSet;
        counterIds = ids;
        Consumer<ClassifierMaps> wait = inFlightWait; // this switch's wait, whenever its thread gets to run
        afterSwitch = CompletableFuture.runAsync(() -> {
            wait.accept(maps);
            stale.forEach(maps::deleteCounterKey);
        }, SWITCH_BARRIERS);
        return new Applied(generation, target, compiled, ids.ids());
    }

    /**
     * Returns once no packet that started before the last switch is still being classified (and that switch's
     * stale counter keys are gone): before anything writes the maps again. Waits itself if the background wait
     * failed.
     */
    private void awaitPreviousSwitch() {
        try {
            afterSwitch.join();
        } catch (CompletionException | CancellationException e) {
            LOG.log(System.Logger.Level.WARNING, "waiting for in-flight packets in the background failed; waiting here", e);
            inFlightWait.accept(maps);
            afterSwitch = CompletableFuture.completedFuture(null);
        }
    }

    /** Replaces the wait for in-flight packets (tests: a wait they control). */
    void setInFlightWait(Consumer<ClassifierMaps> wait) {
        this.inFlightWait = wait;
    }

    /**
     * Takes {@code ruleSet} as the one in force without writing anything (an adopted instance whose xg_owner says
     * it is), so that counters can be read per rule. False when a rule key has no persisted counter id: then the
     * caller must {@link #apply} instead.
     */
    public synchronized boolean assume(RuleSet ruleSet) {
        for (MatchRule rule : ruleSet.rules()) {
            if (!counterIds.byKey().containsKey(rule.key())) {
                return false;
            }
        }
        counterIds = counterIds.assign(ruleSet);
        current = ruleSet;
        return true;
    }

    /**
     * Writes the rule set in force into the inactive slot when that slot is empty or its content unknown (after a
     * start or an adoption), so that the next change writes only its difference instead of a whole slot (seconds
     * with a million CIDRs). Nothing is switched: the kernel keeps using the active slot.
     *
     * @return whether anything was written
     */
    public synchronized boolean prepareInactiveSlot() throws RuleSetException {
        ClassifierMaps.Active active = maps.active();
        int target = 1 - active.slot();
        if (current == null || slots[target] != null) {
            return false; // the usual case, after every change: nothing to wait for either
        }
        awaitPreviousSwitch();
        writeInactive(active, lastCompiled != null && slots[1 - target] == lastCompiled ? lastCompiled
                : compile(current));
        return true;
    }

    /** Writes {@code compiled} into the slot {@code active} is not, by difference with what it holds. */
    private void writeInactive(ClassifierMaps.Active active, CompiledRuleSet compiled) {
        int target = 1 - active.slot();
        CompiledRuleSet previous = slots[target];
        boolean empty = slotEmpty[target];
        // Until the write completes the slot holds neither: a failed write is then found by iterating the maps.
        slots[target] = null;
        slotEmpty[target] = false;
        maps.writeSlot(target, compiled, previous, empty, ClassifierMaps.nextGeneration(active));
        slots[target] = compiled;
        lastCompiled = compiled;
    }

    /** Compiles the rule set in force as a change would, writing nothing; null when it is unknown. */
    public synchronized CompiledRuleSet compileCurrent() throws RuleSetException {
        return current == null ? null : compile(current);
    }

    /**
     * Compiles, writing nothing, the rule set in force with its last rule matching TCP port {@code port} instead:
     * the commonest change (a port edit), which recomputes the L4 tables and vectors where {@link #compileCurrent}
     * only reuses them. Addresses are kept, so the address tables are reused as a real port change reuses them.
     * Null when the rule set in force is unknown or empty.
     */
    public synchronized CompiledRuleSet compilePortChange(int port) throws RuleSetException {
        return current == null || current.rules().isEmpty() ? null : compile(portChange(port));
    }

    /**
     * Writes {@link #compilePortChange}'s rule set into the inactive slot, then the rule set in force back, switching
     * nothing: a change's writer, rehearsed on the slot no packet reads (the last switch's wait is over first). Only
     * when that slot holds the rule set in force (prepared); it does again afterwards. False when it did nothing.
     */
    public synchronized boolean rehearsePortChangeWrite(int port) throws RuleSetException {
        ClassifierMaps.Active active = maps.active();
        CompiledRuleSet inForce = slots[1 - active.slot()];
        if (current == null || current.rules().isEmpty() || inForce == null || inForce != lastCompiled) {
            return false;
        }
        CompiledRuleSet changed = compile(portChange(port));
        awaitPreviousSwitch();
        writeInactive(active, changed);
        writeInactive(active, inForce);
        return true;
    }

    /** {@code ruleSet} compiled with the counter ids in force, reusing what the last compile can lend. */
    private CompiledRuleSet compile(RuleSet ruleSet) throws RuleSetException {
        return RuleCompiler.compile(ruleSet, counterIds.ids(), maps.slotCapacity(), lastCompiled);
    }

    /** The rule set in force with its last rule matching TCP port {@code port} instead. */
    private RuleSet portChange(int port) {
        List<MatchRule> rules = new ArrayList<>(current.rules());
        MatchRule last = rules.get(rules.size() - 1);
        rules.set(rules.size() - 1, new MatchRule(last.filter(), last.ruleName(), last.action(), last.audit(),
                last.failsafe(), last.sources(), last.destinations(), Protocol.TCP, List.of(new Ports.Range(port, port)),
                List.of(), Set.of(), last.ratePps(), last.rateBurst(), last.perSource(), last.sampleRate()));
        return new RuleSet(rules, current.defaultVerdict());
    }

    /** Continues where {@code previous} (same maps, other program: an upgrade) stopped. */
    synchronized void inherit(Classifier previous) {
        synchronized (previous) {
            previous.awaitPreviousSwitch(); // same maps: its last switch must be over before this one writes
            System.arraycopy(previous.slots, 0, slots, 0, slots.length);
            current = previous.current;
            counterIds = previous.counterIds;
        }
    }

    /** The rule set in force; null when unknown (adopted and not yet applied). */
    public synchronized RuleSet current() {
        return current;
    }

    /** Counter ids of the current rule set's rules, parallel to its rules. */
    public synchronized int[] currentCounterIds() {
        return counterIds.ids().clone();
    }

    /**
     * Reads drop samples from the kernel's ring buffer: each poll hands the samples waiting (up to the timeout) to
     * {@code onSample}, with the rule key resolved from the counter id.
     */
    public RingBuffer dropSamples(Consumer<DropSample> onSample) {
        return RingBuffer.open(map("xg_samples"), record -> onSample.accept(DropSample.decode(record, this::ruleKey)));
    }

    private synchronized String ruleKey(int counterId) {
        return counterIds.byKey().entrySet().stream().filter(e -> e.getValue() == counterId).map(Map.Entry::getKey)
                .findFirst().orElse(null);
    }

    /** Table occupancy of the rule set in force; empty while it is unknown (after an adoption). */
    public synchronized Map<String, Dataplane.Occupancy> occupancy() {
        return lastCompiled == null || current == null ? Map.of() : maps.occupancy(lastCompiled);
    }

    /** Runs one frame through the program (BPF_PROG_TEST_RUN): the real kernel verdict. */
    public TestRunResult testRun(byte[] frame) {
        return program.testRun(frame, 1);
    }

    public BpfProgram program() {
        return program;
    }

    public ClassifierMaps maps() {
        return maps;
    }

    /** The classifier's maps by name (the object's, or the pinned ones of an adopted instance). */
    public BpfMap map(String name) {
        return mapsByName.apply(name);
    }

    @Override
    public void close() {
        synchronized (this) {
            awaitPreviousSwitch(); // its descriptors are about to go
        }
        if (object != null) {
            object.close();
        }
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception ignored) {
                // descriptors: close never fails in a way worth reporting
            }
        }
    }
}
