package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.compile.CompiledRuleSet;
import io.xdpguard.agent.dataplane.compile.CounterIds;
import io.xdpguard.agent.dataplane.compile.RuleCompiler;
import io.xdpguard.agent.dataplane.libbpf.BpfMap;
import io.xdpguard.agent.dataplane.libbpf.BpfObjectFile;
import io.xdpguard.agent.dataplane.libbpf.BpfProgram;
import io.xdpguard.agent.dataplane.libbpf.TestRunResult;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.rules.RuleSetException;
import java.nio.file.Path;

/**
 * One loaded instance of the XDP classifier (program and maps) and the rule set it enforces. {@link #apply} writes
 * a new rule set beside the live one and activates it with one atomic switch.
 */
public final class Classifier implements AutoCloseable {
    /** The classifier object inside the agent's jar (built by the bpf module). */
    public static final String OBJECT_RESOURCE = "/io/xdpguard/bpf/xdpguard.bpf.o";
    public static final String PROGRAM_NAME = "xdpguard";

    private final BpfObjectFile object;
    private final BpfProgram program;
    private final ClassifierMaps maps;
    private final CompiledRuleSet[] slots = new CompiledRuleSet[2];
    /** Per slot: its address maps hold nothing yet (maps created by this instance, slot never written). */
    private final boolean[] slotEmpty = new boolean[2];
    /** The last compile, whose address dimensions the next compile may reuse. */
    private CompiledRuleSet lastCompiled;
    private RuleSet current = RuleSet.empty();
    private CounterIds counterIds = CounterIds.NONE;

    private Classifier(BpfObjectFile object, boolean freshMaps) {
        this.object = object;
        this.program = object.program(PROGRAM_NAME);
        this.maps = new ClassifierMaps(object::map);
        slotEmpty[0] = freshMaps;
        slotEmpty[1] = freshMaps;
    }

    /**
     * Opens and loads the classifier.
     *
     * @param pinDir where to pin (and from where to reuse) its maps; null for an unpinned instance (tests, trace)
     */
    public static Classifier load(Path pinDir) {
        BpfObjectFile object = BpfObjectFile.openResource(OBJECT_RESOURCE);
        try {
            if (pinDir != null) {
                for (String name : object.mapNames()) {
                    if (!name.startsWith(".")) {
                        object.setPinPath(name, pinDir.resolve(name));
                    }
                }
            }
            object.load();
            // unpinned maps are new, hence empty; pinned ones may hold a previous agent's entries
            return new Classifier(object, pinDir == null);
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    /** The result of one atomic switch. */
    public record Applied(int generation, int slot, CompiledRuleSet compiled, int[] counterIds) {
    }

    /**
     * Compiles and enforces {@code ruleSet}. On any failure before the switch, the previous rule set stays in force
     * untouched (only the inactive slot was written). Returns once no packet is still classified with the previous
     * slot, so the next apply may rewrite it.
     */
    public synchronized Applied apply(RuleSet ruleSet) throws RuleSetException {
        CounterIds ids = counterIds.assign(ruleSet);
        CompiledRuleSet compiled = RuleCompiler.compile(ruleSet, ids.ids(), lastCompiled);
        ClassifierMaps.Active active = maps.active();
        int target = 1 - active.slot();
        for (int i = 0; i < ids.ids().length; i++) {
            if (!counterIds.had(ruleSet.rules().get(i).key(), ids.ids()[i])) {
                maps.resetCounter(ids.ids()[i]);
            }
        }
        CompiledRuleSet previous = slots[target];
        boolean empty = slotEmpty[target];
        // Until the write completes the slot holds neither: a failed write is then found by iterating the maps.
        slots[target] = null;
        slotEmpty[target] = false;
        maps.writeSlot(target, compiled, previous, empty);
        slots[target] = compiled;
        lastCompiled = compiled;
        maps.activate(target, active.generation() + 1);
        maps.awaitInFlightPackets();
        current = ruleSet;
        counterIds = ids;
        return new Applied(active.generation() + 1, target, compiled, ids.ids());
    }

    public synchronized RuleSet current() {
        return current;
    }

    /** Counter ids of the current rule set's rules, parallel to its rules. */
    public synchronized int[] currentCounterIds() {
        return counterIds.ids().clone();
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

    /** The object's maps by name, for tooling (sizes, pins). */
    public BpfMap map(String name) {
        return object.map(name);
    }

    @Override
    public void close() {
        object.close();
    }
}
