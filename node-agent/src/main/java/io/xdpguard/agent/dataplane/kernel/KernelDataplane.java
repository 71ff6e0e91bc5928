package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.DropSampleSource;
import io.xdpguard.agent.dataplane.InterfacePlan;
import io.xdpguard.agent.dataplane.InterfaceReport.ForeignProgram;
import io.xdpguard.agent.dataplane.InterfaceReport.State;
import io.xdpguard.agent.dataplane.InterfaceReport;
import io.xdpguard.agent.dataplane.libbpf.BpfException;
import io.xdpguard.agent.dataplane.libbpf.BpfMap;
import io.xdpguard.agent.dataplane.libbpf.BpfMapSpec;
import io.xdpguard.agent.dataplane.libbpf.BpfProgram;
import io.xdpguard.agent.dataplane.libbpf.Bpffs;
import io.xdpguard.agent.dataplane.libbpf.BpffsLock;
import io.xdpguard.agent.dataplane.libbpf.NetInterfaces;
import io.xdpguard.agent.dataplane.libbpf.RingBuffer;
import io.xdpguard.agent.dataplane.libbpf.XdpAttachment.Mode;
import io.xdpguard.agent.dataplane.libbpf.XdpAttachment;
import io.xdpguard.agent.dataplane.rules.RuleSetException;
import io.xdpguard.api.v1alpha1.spec.AttachMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node's XDP state in the real kernel, surviving agent restarts and upgrades (docs/node-lifecycle.md).
 *
 * <p>Programs are attached through netlink (they stay attached after this process exits) and pinned with all their
 * maps under {@code <bpffs>/xdpguard/v1/if<ifindex>/}. A new instance adopts what it finds there (no load, no
 * detach), an object with a different SHA-256 replaces the attached program atomically, incompatible pinned maps are
 * rebuilt beside the old ones ({@code if<ifindex>_next/}) and swapped in with one atomic program replace. Nothing of
 * a foreign XDP program is ever touched unless {@link Options#takeOverForeign()}.
 *
 * <p>Acts in the network namespace of the calling thread. Thread-safe (one lock).
 */
public final class KernelDataplane implements Dataplane, DropSampleSource {
    private static final System.Logger LOG = System.getLogger(KernelDataplane.class.getName());
    /** Directory under the bpffs root holding everything of xdpguard; {@link #removeAll()} removes it whole. */
    public static final String BASE_DIR = "xdpguard";
    /** Layout version: a layout change gets a new directory, never an in-place reinterpretation. */
    public static final String LAYOUT_VERSION = "v1";
    public static final String PROG_PIN = "prog";
    static final String PROG_PIN_NEW = "prog_new";
    private static final Pattern IF_DIR = Pattern.compile("if(\\d+)(_next)?");
    private static final byte[] UNKNOWN = new byte[32];

    /**
     * @param bpffsRoot       where bpffs is (or gets) mounted
     * @param object          the classifier object; null for the one in the agent's jar
     * @param capacities      map sizes set before load
     * @param takeOverForeign replace (atomically) a foreign XDP program on a planned interface instead of reporting
     *                        a conflict
     * @param crashPoint      test hook, see {@link CrashPoint}
     * @param adoptOrphans    treat an attached, unpinned program named xdpguard whose xg_owner map claims the
     *                        interface as ours (its pins were lost, e.g. bpffs remounted): apply replaces it
     *                        atomically, removeAll detaches it. Off for several agents on one host (tests).
     */
    public record Options(Path bpffsRoot, ObjectBytes object, MapCapacities capacities, boolean takeOverForeign,
            CrashPoint crashPoint, boolean adoptOrphans) {
        public Options {
            bpffsRoot = bpffsRoot == null ? Bpffs.DEFAULT_ROOT : bpffsRoot;
            object = object == null ? ObjectBytes.shipped() : object;
            capacities = capacities == null ? MapCapacities.DEFAULT : capacities;
            crashPoint = crashPoint == null ? CrashPoint.NONE : crashPoint;
        }

        public static Options defaults() {
            return new Options(null, null, null, false, null, true);
        }

        public Options withBpffsRoot(Path root) {
            return new Options(root, object, capacities, takeOverForeign, crashPoint, adoptOrphans);
        }

        public Options withObject(ObjectBytes o) {
            return new Options(bpffsRoot, o, capacities, takeOverForeign, crashPoint, adoptOrphans);
        }

        public Options withCapacities(MapCapacities c) {
            return new Options(bpffsRoot, object, c, takeOverForeign, crashPoint, adoptOrphans);
        }

        public Options withTakeOverForeign(boolean takeOver) {
            return new Options(bpffsRoot, object, capacities, takeOver, crashPoint, adoptOrphans);
        }

        public Options withAdoptOrphans(boolean adopt) {
            return new Options(bpffsRoot, object, capacities, takeOverForeign, crashPoint, adopt);
        }

        public Options withCrashPoint(CrashPoint c) {
            return new Options(bpffsRoot, object, capacities, takeOverForeign, c, adoptOrphans);
        }
    }

    /** One interface of ours. */
    private static final class Iface {
        final int ifindex;
        String name;
        final Path dir;
        /** null while the pinned maps are incompatible with the object (the next apply rebuilds them). */
        Classifier classifier;
        /** The attached program: the classifier's, or the pinned one when there is no classifier. */
        BpfProgram program;
        Mode mode;
        byte[] objectSha = UNKNOWN;
        byte[] ruleSetSha = UNKNOWN;
        String ruleSetId;

        Iface(int ifindex, String name, Path dir) {
            this.ifindex = ifindex;
            this.name = name;
            this.dir = dir;
        }

        void close() {
            if (classifier != null) {
                classifier.close();
            }
            if (program != null && (classifier == null || program != classifier.program())) {
                program.close();
            }
            classifier = null;
            program = null;
        }
    }

    private static final long SAMPLE_POLL_MILLIS = 100;
    /** First port of the port changes {@link #rehearse} compiles and writes into the inactive slot and back. */
    private static final int REHEARSAL_PORT = 40000;
    private final Options options;
    private final Path base;
    private final Path root;
    private final Map<Integer, Iface> interfaces = new TreeMap<>();
    private final List<String> startupLog = new ArrayList<>();
    private Map<String, BpfMapSpec> specs;
    private boolean started;
    /** Held from the first start (or removeAll) to close: see {@link BpffsLock}. */
    private BpffsLock lock;
    /** The options' crash points, and the clock of the last atomic switch (for the switch-latency metric). */
    private final CrashPoint points;
    private volatile long lastSwitchNanos;

    public KernelDataplane() {
        this(Options.defaults());
    }

    public KernelDataplane(Options options) {
        this.options = options;
        this.base = options.bpffsRoot().resolve(BASE_DIR);
        this.root = base.resolve(LAYOUT_VERSION);
        this.points = point -> {
            if ("switched".equals(point)) {
                lastSwitchNanos = System.nanoTime();
            }
            options.crashPoint().reached(point);
        };
    }

    @Override
    public long lastSwitchNanos() {
        return lastSwitchNanos;
    }

    /** {@code <bpffs>/xdpguard/v1}. */
    public Path root() {
        return root;
    }

    /** The pin directory of one interface. */
    public Path interfaceDir(int ifindex) {
        return root.resolve("if" + ifindex);
    }

    private Path nextDir(int ifindex) {
        return root.resolve("if" + ifindex + "_next");
    }

    /** What the start-up adoption did (adopted, stale pins removed), for logs and tests. */
    public synchronized List<String> startupLog() {
        start();
        return List.copyOf(startupLog);
    }

    // ---- start-up adoption ----------------------------------------------------------------------------------------

    private void start() {
        if (started) {
            return;
        }
        Bpffs.ensureMounted(options.bpffsRoot());
        lock();
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + root, e);
        }
        specs = PinnedMaps.specs(options.object(), options.capacities());
        Set<Integer> found = new TreeSet<>();
        try (var list = Files.list(root)) {
            list.forEach(p -> {
                Matcher m = IF_DIR.matcher(p.getFileName().toString());
                if (m.matches()) {
                    found.add(Integer.parseInt(m.group(1)));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        for (int ifindex : found) {
            try {
                adopt(ifindex);
            } catch (RuntimeException e) {
                startupLog.add("if" + ifindex + ": adoption failed: " + e.getMessage());
                LOG.log(System.Logger.Level.WARNING, "adopting if" + ifindex + " failed", e);
            }
        }
        started = true;
    }

    /**
     * Finds which pinned program (if any) is the one attached to {@code ifindex}; pins that are not attached are
     * stale (interface gone, index reused, program detached by someone) and removed, without touching the kernel's
     * attachment.
     */
    private void adopt(int ifindex) throws RuntimeException {
        Path main = interfaceDir(ifindex);
        Path next = nextDir(ifindex);
        Optional<String> name = NetInterfaces.nameOf(ifindex);
        XdpAttachment.Status status = name.isPresent() ? XdpAttachment.query(ifindex) : null;
        int attached = attachedId(status);
        BpfProgram winner = null;
        Path winnerDir = null;
        Path winnerPin = null;
        for (Path dir : List.of(main, next)) {
            for (String pin : List.of(PROG_PIN, PROG_PIN_NEW)) {
                Path p = dir.resolve(pin);
                if (winner != null || attached == 0 || !Files.exists(p)) {
                    continue;
                }
                try {
                    BpfProgram prog = BpfProgram.openPinned(p);
                    if (prog.id() == attached) {
                        winner = prog;
                        winnerDir = dir;
                        winnerPin = p;
                    } else {
                        prog.close();
                    }
                } catch (BpfException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot open " + p + ": " + e.getMessage());
                }
            }
        }
        if (winner == null) {
            Bpffs.removeRecursively(main);
            Bpffs.removeRecursively(next);
            startupLog.add("if" + ifindex + ": removed stale pins (" + (name.isEmpty() ? "interface gone"
                    : attached == 0 ? "no program attached" : "attached program " + attached + " is not the pinned one")
                    + ")");
            return;
        }
        try {
            if (winnerDir.equals(next)) {
                // crashed during a rebuild after the replace: the new directory is the live one
                Bpffs.removeRecursively(main);
                Files.move(next, main, StandardCopyOption.ATOMIC_MOVE);
                winnerPin = main.resolve(winnerPin.getFileName());
            } else {
                Bpffs.removeRecursively(next);
            }
            if (winnerPin.getFileName().toString().equals(PROG_PIN_NEW)) {
                // crashed during an upgrade after the replace: the new program is the live one
                Files.move(winnerPin, main.resolve(PROG_PIN), StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.deleteIfExists(main.resolve(PROG_PIN_NEW));
            }
        } catch (IOException e) {
            winner.close();
            throw new UncheckedIOException("cannot tidy the pins of if" + ifindex, e);
        }
        Iface f = new Iface(ifindex, name.orElseThrow(), main);
        f.program = winner;
        f.mode = status.drvProgId() == attached ? Mode.NATIVE : Mode.GENERIC;
        List<String> incompatible = PinnedMaps.incompatible(specs, main);
        if (incompatible.isEmpty()) {
            Map<String, BpfMap> pinned = Map.of();
            try {
                pinned = PinnedMaps.open(specs, main);
                f.classifier = Classifier.adopt(winner, pinned);
            } catch (RuntimeException e) {
                pinned.values().forEach(BpfMap::close);
                startupLog.add("if" + ifindex + ": pinned maps incomplete (" + e.getMessage() + "): rebuild on apply");
            }
        } else {
            startupLog.add("if" + ifindex + ": pinned maps incompatible (" + String.join(", ", incompatible)
                    + "): rebuild on apply");
        }
        if (f.classifier != null) {
            ClassifierMaps.Owner owner = f.classifier.maps().owner();
            if (owner.valid() && owner.ifindex() == ifindex) {
                f.objectSha = owner.objectSha256();
                f.ruleSetSha = owner.ruleSetSha256();
                if (!f.name.equals(owner.ifname())) {
                    f.classifier.maps().writeOwner(owner.withInterface(ifindex, f.name));
                }
            } else {
                // cannot say what is in force: the next apply writes everything and claims the maps again
                f.classifier.maps().writeOwner(ClassifierMaps.Owner.of(ifindex, f.name, UNKNOWN, UNKNOWN));
            }
        }
        interfaces.put(ifindex, f);
        startupLog.add("if" + ifindex + ": adopted program " + attached + " on " + f.name + " (" + modeName(f.mode) + ")");
    }

    // ---- apply ----------------------------------------------------------------------------------------------------

    @Override
    public synchronized List<InterfaceReport> apply(List<InterfacePlan> plans) {
        try {
            start();
        } catch (BpffsLock.HeldException e) {
            throw e; // not this agent's interfaces failing: it must not report them, and it tries again
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot prepare " + root, e);
            return plans.stream().map(p -> new InterfaceReport(p.name(), NetInterfaces.indexOf(p.name()).orElse(0),
                    State.FAILED, null, 0, 0, null, null, "cannot prepare " + root + ": " + e.getMessage())).toList();
        }
        forgetVanished();
        List<InterfaceReport> reports = new ArrayList<>();
        Set<Integer> wanted = new HashSet<>();
        Set<String> absent = new HashSet<>();
        for (InterfacePlan plan : plans) {
            OptionalInt index = NetInterfaces.indexOf(plan.name());
            if (index.isEmpty()) {
                reports.add(new InterfaceReport(plan.name(), 0, State.ABSENT, null, 0, 0, null, null,
                        "no interface " + plan.name()));
                absent.add(plan.name());
                continue;
            }
            int ifindex = index.getAsInt();
            wanted.add(ifindex);
            try {
                reports.add(applyOne(ifindex, plan));
            } catch (RuntimeException | RuleSetException e) {
                if (e instanceof BpfException || e instanceof RuleSetException) {
                    // the kernel's or the rules' answer (e.g. no native XDP in this driver): the message is all of it
                    LOG.log(System.Logger.Level.WARNING, "applying to " + plan.name() + " failed: " + e.getMessage());
                } else {
                    LOG.log(System.Logger.Level.WARNING, "applying to " + plan.name() + " failed", e);
                }
                Iface f = interfaces.get(ifindex);
                InterfaceReport observed = f == null ? null : observeOne(f, null);
                reports.add(new InterfaceReport(plan.name(), ifindex, State.FAILED,
                        observed == null ? null : observed.attachMode(), observed == null ? 0 : observed.programId(),
                        observed == null ? 0 : observed.ruleCount(), observed == null ? null : observed.ruleSetId(),
                        null, e.getMessage()));
            }
        }
        for (Iface f : new ArrayList<>(interfaces.values())) {
            if (!wanted.contains(f.ifindex)) {
                if (absent.contains(f.name) && NetInterfaces.nameOf(f.ifindex).isPresent()) {
                    // Renamed since the plan was made: the plan still wants it under its old name, and the next one
                    // (after the interfaces are listed again) names it as it is now. Releasing it would open a gap.
                    continue;
                }
                try {
                    release(f);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "releasing " + f.name + " failed", e);
                }
            }
        }
        return reports;
    }

    private InterfaceReport applyOne(int ifindex, InterfacePlan plan) throws RuleSetException {
        Iface f = interfaces.get(ifindex);
        int attached = attachedId(XdpAttachment.query(ifindex));
        String note = null;
        if (f != null) {
            if (attached == 0) {
                f.mode = attach(ifindex, f.program, plan.mode());
                note = "re-attached: the program had been detached outside xdpguard";
            } else if (attached != f.program.id()) {
                forget(f, "replaced by program " + attached + " outside xdpguard");
                f = null;
            } else if ((plan.mode() == AttachMode.Native && f.mode != Mode.NATIVE)
                    || (plan.mode() == AttachMode.Generic && f.mode != Mode.GENERIC)) {
                note = "attached in " + modeName(f.mode) + " mode; changing modes needs a detach, which xdpguard "
                        + "never does while enforcing (delete the plan, then apply again)";
            }
            if (f != null && !plan.name().equals(f.name)) {
                f.name = plan.name();
                if (f.classifier != null) {
                    ClassifierMaps maps = f.classifier.maps();
                    maps.writeOwner(maps.owner().withInterface(ifindex, f.name));
                }
            }
        }
        if (f == null) {
            if (attached != 0) {
                BpfProgram foreign = BpfProgram.fromId(attached);
                try {
                    boolean orphan = options.adoptOrphans() && isOrphanOfOurs(foreign, ifindex);
                    if (!options.takeOverForeign() && !orphan) {
                        return new InterfaceReport(plan.name(), ifindex, State.CONFLICT, null, 0, 0, null,
                                new ForeignProgram(attached, foreign.name()),
                                "interface carries a foreign XDP program (" + foreign.name() + ", id " + attached
                                        + "); left untouched");
                    }
                    f = install(ifindex, plan, foreign);
                    note = orphan ? "replaced xdpguard program " + attached + " whose pins were lost"
                            : "took over from foreign program " + foreign.name() + " (id " + attached + ")";
                } finally {
                    foreign.close();
                }
            } else {
                f = install(ifindex, plan, null);
            }
            return observeOne(f, note);
        }
        byte[] wantedSha = ruleSetSha(plan.ruleSetId());
        if (f.classifier == null || !Arrays.equals(f.objectSha, options.object().sha256())) {
            replaceProgram(f, plan);
        } else if (!Arrays.equals(f.ruleSetSha, wantedSha)) {
            f.classifier.apply(plan.rules(), wantedSha, points);
            f.ruleSetSha = wantedSha;
        } else if (f.classifier.current() != plan.rules() && !f.classifier.assume(plan.rules())) {
            // Unknown (adopted) or an equal rule set in new objects: taking the new ones lets an old equal copy of
            // a million parsed CIDRs go.
            f.classifier.apply(plan.rules(), wantedSha, points);
        }
        f.ruleSetId = plan.ruleSetId();
        return observeOne(f, note);
    }

    /** First attach: pins and rules in place before the program sees its first packet. */
    private Iface install(int ifindex, InterfacePlan plan, BpfProgram foreign) throws RuleSetException {
        Path dir = interfaceDir(ifindex);
        Bpffs.removeRecursively(dir);
        Bpffs.removeRecursively(nextDir(ifindex));
        createDirectory(dir);
        Classifier c = null;
        try {
            c = Classifier.load(options.object(), dir, options.capacities());
            byte[] sha = ruleSetSha(plan.ruleSetId());
            c.maps().writeOwner(ClassifierMaps.Owner.of(ifindex, plan.name(), options.object().sha256(), UNKNOWN));
            c.apply(plan.rules(), sha, points);
            c.program().pin(dir.resolve(PROG_PIN));
            Mode mode;
            if (foreign == null) {
                mode = attach(ifindex, c.program(), plan.mode());
            } else {
                XdpAttachment.Status st = XdpAttachment.query(ifindex);
                Mode foreignMode = st.drvProgId() == foreign.id() ? Mode.NATIVE : Mode.GENERIC;
                XdpAttachment.replace(ifindex, c.program(), foreignMode, foreign);
                mode = readBackMode(ifindex, c.program());
            }
            Iface f = new Iface(ifindex, plan.name(), dir);
            f.classifier = c;
            f.program = c.program();
            f.mode = mode;
            f.objectSha = options.object().sha256();
            f.ruleSetSha = sha;
            f.ruleSetId = plan.ruleSetId();
            interfaces.put(ifindex, f);
            return f;
        } catch (RuntimeException | RuleSetException e) {
            if (c != null) {
                c.close();
            }
            Bpffs.removeRecursively(dir);
            throw e;
        }
    }

    /**
     * Upgrade (another object) or rebuild (incompatible maps): the new program gets its rules first, then replaces
     * the attached one atomically (XDP_FLAGS_REPLACE with the old program as the expected one). Never a detach.
     */
    private void replaceProgram(Iface f, InterfacePlan plan) throws RuleSetException {
        if (!PinnedMaps.incompatible(specs, f.dir).isEmpty()) {
            rebuild(f, plan);
            return;
        }
        byte[] wantedSha = ruleSetSha(plan.ruleSetId());
        Classifier n = Classifier.load(options.object(), f.dir, options.capacities());
        Path newPin = f.dir.resolve(PROG_PIN_NEW);
        try {
            if (f.classifier != null) {
                n.inherit(f.classifier);
            }
            ClassifierMaps.Owner owner = n.maps().owner();
            if (!owner.valid()) {
                owner = ClassifierMaps.Owner.of(f.ifindex, f.name, f.objectSha, UNKNOWN);
                n.maps().writeOwner(owner);
            }
            if (!Arrays.equals(owner.ruleSetSha256(), wantedSha)
                    || (n.current() == null && !n.assume(plan.rules()))) {
                n.apply(plan.rules(), wantedSha, points);
            }
            Files.deleteIfExists(newPin);
            n.program().pin(newPin);
            points.reached("upgrade-loaded");
            XdpAttachment.replace(f.ifindex, n.program(), f.mode, f.program);
        } catch (IOException e) {
            abandon(f, n, newPin);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | RuleSetException e) {
            abandon(f, n, newPin);
            throw e;
        }
        // The new program is attached: f describes it from here on, whatever fails below (a start tidies prog_new).
        f.close();
        f.classifier = n;
        f.program = n.program();
        f.objectSha = options.object().sha256();
        f.ruleSetSha = wantedSha;
        f.mode = readBackMode(f.ifindex, n.program());
        points.reached("upgrade-replaced");
        try {
            Files.move(newPin, f.dir.resolve(PROG_PIN), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + newPin + " to " + PROG_PIN, e);
        }
        n.maps().writeOwner(n.maps().owner().withObject(options.object().sha256()));
    }

    /** An upgrade that did not replace the program: the old one stays attached with what n wrote into the maps. */
    private static void abandon(Iface f, Classifier n, Path newPin) {
        if (f.classifier != null) {
            // n wrote the shared maps (and may have switched): what it knows of their slots is now the truth, and
            // the old classifier's records would make the next change write a diff against stale contents.
            f.classifier.inherit(n);
        }
        n.close();
        try {
            Files.deleteIfExists(newPin);
        } catch (IOException ignored) {
            // the next start removes it
        }
    }

    /** New maps and program in if<N>_next, filled, then one atomic program replace, then the directories swap. */
    private void rebuild(Iface f, InterfacePlan plan) throws RuleSetException {
        Path next = nextDir(f.ifindex);
        Bpffs.removeRecursively(next);
        createDirectory(next);
        byte[] wantedSha = ruleSetSha(plan.ruleSetId());
        Classifier n = null;
        try {
            n = Classifier.load(options.object(), next, options.capacities());
            n.maps().writeOwner(ClassifierMaps.Owner.of(f.ifindex, f.name, options.object().sha256(), UNKNOWN));
            n.apply(plan.rules(), wantedSha, points);
            n.program().pin(next.resolve(PROG_PIN));
            points.reached("rebuild-loaded");
            XdpAttachment.replace(f.ifindex, n.program(), f.mode, f.program);
        } catch (RuntimeException | RuleSetException e) {
            if (n != null) {
                n.close();
            }
            Bpffs.removeRecursively(next);
            throw e;
        }
        // The new program is attached: f describes it from here on, whatever fails below.
        f.close();
        f.classifier = n;
        f.program = n.program();
        f.objectSha = options.object().sha256();
        f.ruleSetSha = wantedSha;
        f.mode = readBackMode(f.ifindex, n.program());
        Bpffs.removeRecursively(f.dir);
        try {
            Files.move(next, f.dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + next + " to " + f.dir, e);
        }
    }

    private static Mode attach(int ifindex, BpfProgram program, AttachMode wanted) {
        List<Mode> order = switch (wanted == null ? AttachMode.Auto : wanted) {
            case Native -> List.of(Mode.NATIVE);
            case Generic -> List.of(Mode.GENERIC);
            case Auto -> List.of(Mode.NATIVE, Mode.GENERIC);
        };
        BpfException last = null;
        for (Mode mode : order) {
            try {
                // only if nothing is attached: never overwrite a program that appeared meanwhile
                XdpAttachment.attachIfNone(ifindex, program.fd(), mode);
                return readBackMode(ifindex, program);
            } catch (BpfException e) {
                last = e;
                if (e.isBusy()) {
                    throw e;
                }
            }
        }
        throw last;
    }

    private static Mode readBackMode(int ifindex, BpfProgram program) {
        XdpAttachment.Status st = XdpAttachment.query(ifindex);
        if (st.drvProgId() == program.id()) {
            return Mode.NATIVE;
        }
        if (st.skbProgId() == program.id()) {
            return Mode.GENERIC;
        }
        throw new IllegalStateException("program " + program.id() + " is not attached to ifindex " + ifindex
                + " after attaching it (" + st + ")");
    }

    // ---- release --------------------------------------------------------------------------------------------------

    /** Detaches (only our program: expected fd) and unpins. */
    private List<String> release(Iface f) {
        List<String> lines = new ArrayList<>();
        if (NetInterfaces.nameOf(f.ifindex).isPresent() && f.program != null) {
            XdpAttachment.Status st = XdpAttachment.query(f.ifindex);
            if (attachedId(st) == f.program.id()) {
                Mode mode = st.drvProgId() == f.program.id() ? Mode.NATIVE : Mode.GENERIC;
                XdpAttachment.detach(f.ifindex, mode, OptionalInt.of(f.program.fd()));
                lines.add("detached xdpguard program " + f.program.id() + " from " + f.name + " (ifindex " + f.ifindex
                        + ", " + modeName(mode) + ")");
            }
        }
        forget(f, null);
        lines.add("removed pins " + f.dir);
        return lines;
    }

    /** Drops our state and pins without touching the attachment. */
    private void forget(Iface f, String why) {
        f.close();
        Bpffs.removeRecursively(f.dir);
        Bpffs.removeRecursively(nextDir(f.ifindex));
        interfaces.remove(f.ifindex);
        if (why != null) {
            LOG.log(System.Logger.Level.INFO, "forgot " + f.name + " (ifindex " + f.ifindex + "): " + why);
        }
    }

    private void forgetVanished() {
        for (Iface f : new ArrayList<>(interfaces.values())) {
            if (NetInterfaces.nameOf(f.ifindex).isEmpty()) {
                forget(f, "interface gone");
            }
        }
    }

    @Override
    public synchronized Removal removeAll() {
        List<String> removed = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Iface f : new ArrayList<>(interfaces.values())) {
            try {
                removed.addAll(release(f));
            } catch (RuntimeException e) {
                failures.add("cannot release " + f.name + ": " + e.getMessage());
            }
        }
        boolean mounted = Bpffs.isMounted(options.bpffsRoot());
        if (mounted) {
            try {
                lock();
            } catch (RuntimeException e) {
                // a running agent would re-attach what this removes, and keep pins it recreates
                return new Removal(removed, List.of(e.getMessage()));
            }
        }
        if (mounted && Files.isDirectory(base)) {
            // pins of a previous process (or another layout version) that this instance did not adopt
            try (var walk = Files.walk(base)) {
                for (Path p : walk.filter(p -> p.getFileName().toString().equals(PROG_PIN)
                        || p.getFileName().toString().equals(PROG_PIN_NEW)).toList()) {
                    Matcher m = IF_DIR.matcher(p.getParent().getFileName().toString());
                    if (m.matches()) {
                        detachPinned(Integer.parseInt(m.group(1)), p, removed, failures);
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                failures.add("cannot list " + base + ": " + e.getMessage());
            }
            try {
                Bpffs.removeRecursively(base);
                removed.add("removed " + base);
            } catch (UncheckedIOException e) {
                failures.add(e.getMessage() + ": " + e.getCause().getMessage());
            }
        } else if (!mounted) {
            failures.add(options.bpffsRoot() + " is not a bpffs mount (or does not exist), so no pins could be looked "
                    + "for: check the path (under `ip netns exec`, /sys/fs/bpf is hidden: use `nsenter --net=...`)");
        }
        if (options.adoptOrphans()) {
            detachOrphans(removed, failures);
        }
        started = false;
        startupLog.clear();
        unlock();
        return new Removal(removed, failures);
    }

    /** Programs of ours without pins (bpffs lost), found by asking every interface what is attached. */
    private static void detachOrphans(List<String> removed, List<String> failures) {
        List<NetInterfaces.Link> all;
        try {
            all = NetInterfaces.list();
        } catch (RuntimeException e) {
            failures.add("cannot list interfaces: " + e.getMessage());
            return;
        }
        for (NetInterfaces.Link nif : all) {
            int ifindex = nif.index();
            try {
                XdpAttachment.Status st = XdpAttachment.query(ifindex);
                int attached = attachedId(st);
                if (attached == 0) {
                    continue;
                }
                try (BpfProgram prog = BpfProgram.fromId(attached)) {
                    if (isOrphanOfOurs(prog, ifindex)) {
                        Mode mode = st.drvProgId() == attached ? Mode.NATIVE : Mode.GENERIC;
                        XdpAttachment.detach(ifindex, mode, OptionalInt.of(prog.fd()));
                        removed.add("detached unpinned xdpguard program " + attached + " from " + nif.name()
                                + " (its xg_owner claims ifindex " + ifindex + ")");
                    }
                }
            } catch (RuntimeException e) {
                failures.add("cannot check " + nif.name() + ": " + e.getMessage());
            }
        }
    }

    /** Named xdpguard and one of its maps is an xg_owner claiming {@code ifindex}. */
    private static boolean isOrphanOfOurs(BpfProgram prog, int ifindex) {
        if (!Classifier.PROGRAM_NAME.equals(prog.name())) {
            return false;
        }
        for (int mapId : prog.mapIds()) {
            try (io.xdpguard.agent.dataplane.libbpf.BpfMap map = io.xdpguard.agent.dataplane.libbpf.BpfMap.fromId(mapId)) {
                Optional<ClassifierMaps.Owner> owner = ClassifierMaps.readOwner(map);
                if (owner.isPresent()) {
                    return owner.get().valid() && owner.get().ifindex() == ifindex;
                }
            } catch (RuntimeException e) {
                // map gone meanwhile: not provable
            }
        }
        return false;
    }

    private static void detachPinned(int ifindex, Path pin, List<String> removed, List<String> failures) {
        try (BpfProgram prog = BpfProgram.openPinned(pin)) {
            Optional<String> name = NetInterfaces.nameOf(ifindex);
            if (name.isEmpty()) {
                return;
            }
            XdpAttachment.Status st = XdpAttachment.query(ifindex);
            if (attachedId(st) == prog.id()) {
                Mode mode = st.drvProgId() == prog.id() ? Mode.NATIVE : Mode.GENERIC;
                XdpAttachment.detach(ifindex, mode, OptionalInt.of(prog.fd()));
                removed.add("detached xdpguard program " + prog.id() + " from " + name.get() + " (ifindex " + ifindex
                        + ", " + modeName(mode) + ")");
            }
        } catch (RuntimeException e) {
            failures.add("cannot check " + pin + ": " + e.getMessage());
        }
    }

    // ---- observe --------------------------------------------------------------------------------------------------

    @Override
    public synchronized List<InterfaceReport> observe() {
        start();
        forgetVanished();
        List<InterfaceReport> out = new ArrayList<>();
        for (Iface f : interfaces.values()) {
            out.add(observeOne(f, null));
        }
        return out;
    }

    private InterfaceReport observeOne(Iface f, String note) {
        Optional<String> current = NetInterfaces.nameOf(f.ifindex);
        if (current.isEmpty()) {
            return new InterfaceReport(f.name, f.ifindex, State.ABSENT, null, 0, 0, null, null, "interface gone");
        }
        String name = current.get();
        XdpAttachment.Status st = XdpAttachment.query(f.ifindex);
        int attached = attachedId(st);
        int ruleCount = 0;
        if (f.classifier != null) {
            ClassifierMaps maps = f.classifier.maps();
            ruleCount = maps.ruleCount(maps.active().slot());
        }
        String ruleSetId = f.ruleSetId != null ? f.ruleSetId
                : Arrays.equals(f.ruleSetSha, UNKNOWN) ? null : "sha256:" + HexFormat.of().formatHex(f.ruleSetSha);
        if (attached == f.program.id()) {
            Mode mode = st.drvProgId() == attached ? Mode.NATIVE : Mode.GENERIC;
            return new InterfaceReport(name, f.ifindex, State.ENFORCING, modeName(mode), attached, ruleCount,
                    ruleSetId, null, note);
        }
        if (attached == 0) {
            return new InterfaceReport(name, f.ifindex, State.FAILED, null, 0, 0, ruleSetId, null,
                    "xdpguard's program " + f.program.id() + " is no longer attached (detached outside xdpguard);"
                            + " the next apply re-attaches it");
        }
        return new InterfaceReport(name, f.ifindex, State.CONFLICT, null, 0, 0, null,
                new ForeignProgram(attached, programName(attached)),
                "another XDP program replaced xdpguard's outside xdpguard");
    }

    @Override
    public synchronized Optional<Counters> counters(String interfaceName) {
        start();
        for (Iface f : interfaces.values()) {
            String name = NetInterfaces.nameOf(f.ifindex).orElse(f.name);
            if (!name.equals(interfaceName) || f.classifier == null) {
                continue;
            }
            ClassifierMaps maps = f.classifier.maps();
            Map<String, RuleCounters> rules = new LinkedHashMap<>();
            var ruleSet = f.classifier.current();
            if (ruleSet != null) {
                int[] ids = f.classifier.currentCounterIds();
                for (int i = 0; i < ids.length; i++) {
                    rules.put(ruleSet.rules().get(i).key(), maps.ruleCounters(ids[i]));
                }
            } else {
                Map<Integer, String> keys = new TreeMap<>(maps.counterKeys());
                keys.forEach((id, key) -> rules.put(key, maps.ruleCounters(id)));
            }
            return Optional.of(new Counters(rules, maps.reasonCounters(), f.classifier.occupancy()));
        }
        return Optional.empty();
    }

    /**
     * Polls the drop-sample ring buffer of every interface of ours on a thread of its own, following interfaces as
     * they come and go (a ring buffer's mapping keeps its map alive even after an upgrade closed the classifier).
     */
    @Override
    public AutoCloseable subscribe(Consumer<DropSample> consumer) {
        AtomicBoolean running = new AtomicBoolean(true);
        Thread reader = new Thread(() -> {
            Map<Classifier, RingBuffer> open = new IdentityHashMap<>();
            Set<Classifier> failing = Collections.newSetFromMap(new IdentityHashMap<>());
            try {
                while (running.get()) {
                    Set<Classifier> live = liveClassifiers();
                    open.entrySet().removeIf(e -> {
                        if (!live.contains(e.getKey())) {
                            e.getValue().close();
                            return true;
                        }
                        return false;
                    });
                    for (Classifier classifier : live) {
                        try {
                            open.computeIfAbsent(classifier, c -> c.dropSamples(consumer)).poll(0);
                            failing.remove(classifier);
                        } catch (RuntimeException e) {
                            // One ring failing (e.g. its classifier closed by a release since the list was taken) must
                            // not stop the others: it is reopened next round for as long as its classifier is live.
                            RingBuffer ring = open.remove(classifier);
                            if (ring != null) {
                                ring.close();
                            }
                            if (failing.add(classifier)) {
                                LOG.log(System.Logger.Level.WARNING, "reading drop samples failed: " + e.getMessage());
                            }
                        }
                    }
                    failing.retainAll(live);
                    Thread.sleep(SAMPLE_POLL_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                open.values().forEach(RingBuffer::close);
            }
        }, "xdpguard-drop-samples");
        reader.setDaemon(true);
        reader.start();
        return () -> {
            running.set(false);
            reader.interrupt();
            reader.join(1000);
        };
    }

    @Override
    public synchronized void prepareNextChange() {
        for (Iface f : interfaces.values()) {
            if (f.classifier == null) {
                continue;
            }
            try {
                f.classifier.prepareInactiveSlot();
            } catch (RuntimeException | RuleSetException e) {
                LOG.log(System.Logger.Level.WARNING, "preparing the inactive slot of if" + f.ifindex + " failed", e);
            }
        }
    }

    @Override
    public synchronized void rehearse(int rounds) {
        for (Classifier classifier : liveClassifiers()) {
            try {
                classifier.prepareInactiveSlot(); // what the port changes below are written into and back out of
                for (int i = 0; i < rounds; i++) {
                    // half of them a port change: a real change runs the L4 and vector recompute and its writer too
                    if (i % 2 == 0) {
                        classifier.compileCurrent();
                    } else if (!classifier.rehearsePortChangeWrite(REHEARSAL_PORT + i)) {
                        classifier.compilePortChange(REHEARSAL_PORT + i);
                    }
                }
            } catch (RuntimeException | RuleSetException e) {
                LOG.log(System.Logger.Level.WARNING, "rehearsing a compile failed", e);
            }
        }
    }

    private synchronized Set<Classifier> liveClassifiers() {
        Set<Classifier> live = Collections.newSetFromMap(new IdentityHashMap<>());
        interfaces.values().stream().map(f -> f.classifier).filter(java.util.Objects::nonNull).forEach(live::add);
        return live;
    }

    /** Closes descriptors; pins and attachments stay, for the next process to adopt. */
    @Override
    public synchronized void close() {
        for (Iface f : interfaces.values()) {
            f.close();
        }
        interfaces.clear();
        started = false;
        unlock();
    }

    /** Holds the bpffs root for this instance until close (or the end of removeAll): one agent per set of pins. */
    private void lock() {
        if (lock == null) {
            lock = BpffsLock.acquire(options.bpffsRoot());
        }
    }

    private void unlock() {
        if (lock != null) {
            lock.close();
            lock = null;
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    /** The program attached in driver or generic mode (ours is never in both). */
    private static int attachedId(XdpAttachment.Status st) {
        if (st == null) {
            return 0;
        }
        return st.drvProgId() != 0 ? st.drvProgId() : st.skbProgId();
    }

    private static String modeName(Mode mode) {
        return mode == Mode.NATIVE ? "Native" : "Generic";
    }

    private static String programName(int id) {
        try (BpfProgram p = BpfProgram.fromId(id)) {
            return p.name();
        } catch (RuntimeException e) {
            return "?";
        }
    }

    static byte[] ruleSetSha(String ruleSetId) {
        return ObjectBytes.sha256((ruleSetId == null ? "" : ruleSetId).getBytes(StandardCharsets.UTF_8));
    }

    private static void createDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /** Rule keys of an interface with their counter ids, for tests. */
    synchronized Map<String, Integer> counterIds(String interfaceName) {
        Map<String, Integer> out = new HashMap<>();
        for (Iface f : interfaces.values()) {
            if (f.name.equals(interfaceName) && f.classifier != null) {
                f.classifier.maps().counterKeys().forEach((id, key) -> out.put(key, id));
            }
        }
        return out;
    }
}
