package io.xdpguard.agent.bench;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressNetwork;
import inet.ipaddr.IPAddressString;
import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.compile.CounterIds;
import io.xdpguard.agent.dataplane.compile.RuleCompiler;
import io.xdpguard.agent.dataplane.compile.SlotCapacity;
import io.xdpguard.agent.dataplane.kernel.Classifier;
import io.xdpguard.agent.dataplane.kernel.ObjectBytes;
import io.xdpguard.agent.dataplane.libbpf.BpfMap;
import io.xdpguard.agent.dataplane.libbpf.BpfObjectFile;
import io.xdpguard.agent.dataplane.libbpf.BpfProgram;
import io.xdpguard.agent.dataplane.libbpf.NetInterfaces;
import io.xdpguard.agent.dataplane.libbpf.TestRunResult;
import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.libbpf.XdpAttachment;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.rules.AddressMatch;
import io.xdpguard.agent.dataplane.rules.DefaultVerdict;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.api.validation.Ports;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Dataplane benchmarks (not timed tests; see docs/benchmarks/dataplane.md). Run with scripts/bench-dataplane.sh.
 * Prints one JSON line per figure on stdout (progress goes to stderr):
 * <ul>
 * <li>{@code test_run}: ns/packet by BPF_PROG_TEST_RUN for xdpguard, xdp-filter and xdp_pass, interleaved run by run
 * on the same packets, over rule counts x source-CIDR counts;</li>
 * <li>{@code drop_throughput}: Mpps dropped on a native-XDP veth (peer in its own netns) by xdpguard vs an XDP_DROP
 * program, frames generated in the kernel by a live-frames XDP_REDIRECT generator;</li>
 * <li>{@code load_cidrs} / {@code apply_one_rule_change}: Classifier.apply times with many CIDRs.</li>
 * </ul>
 * Options: {@code --quick} (smoke test sizes), {@code --id xgbNNNNN} (prefix of veths/netns, for cleanup by the
 * caller), {@code --only test_run,drop,load} (a subset of the sections), {@code --rules 1,4096} and
 * {@code --cidrs 0,1000000} (the test_run matrix's rule and CIDR counts), {@code --capacities P} (repeatable: the map
 * capacities xdpguard is loaded with, see {@link CapacityProfile}; several are measured interleaved with each other,
 * each line names its profile and the kernel memory of its maps).
 */
public final class DataplaneBenchmark {

    /** Sizes and repeats of one benchmark run. */
    public record Config(int repeat, int runs, int[] ruleCounts, int[] cidrCounts, int liveFrames, int liveRuns,
            int loadCidrs, int loadRuns, int changeRuns) {
        static Config full() {
            return new Config(1_000_000, 5, new int[] {1, 100, 1000, 4096}, new int[] {0, 1000, 100_000, 1_000_000},
                    4_000_000, 5, 1_000_000, 5, 9);
        }

        static Config quick() {
            return new Config(20_000, 3, new int[] {1, 100}, new int[] {0, 1000}, 100_000, 2, 10_000, 3, 3);
        }

        /** This config with the test_run matrix narrowed to the given rule and CIDR counts (null: unchanged). */
        Config withMatrix(int[] rules, int[] cidrs) {
            return new Config(repeat, runs, rules != null ? rules : ruleCounts, cidrs != null ? cidrs : cidrCounts,
                    liveFrames, liveRuns, loadCidrs, loadRuns, changeRuns);
        }
    }

    static final String UDP4_SRC = "198.51.100.7";
    /** Between the one-rule changes of the load section: the agent's default debounce. */
    static final long CHANGE_INTERVAL_MS = 200;
    static final String TCP6_SRC = "2001:db8:100::7";
    static final String TARGET4 = "198.51.100.0/24";
    static final String TARGET6 = "2001:db8:100::/48";
    static final int UDP_PORT = 5353;
    static final int TCP_PORT = 443;
    static final int THROUGHPUT_RULES = 1000;
    static final int THROUGHPUT_CIDRS = 1000;

    private final Config config;
    private Set<String> only = Set.of("test_run", "drop", "load");
    private List<CapacityProfile> profiles = List.of(CapacityProfile.DEFAULT);
    private final Consumer<String> out;
    private final String id;
    private final Map<String, byte[]> packets = new LinkedHashMap<>();
    private final List<String> cleanup = new ArrayList<>();
    private final IPAddressNetwork.IPAddressGenerator generator = new IPAddressNetwork.IPAddressGenerator();

    public DataplaneBenchmark(Config config, Consumer<String> out, String id) {
        this.config = config;
        this.out = out;
        this.id = id;
        // 64-byte frames (60 + FCS, which XDP never sees) where the headers fit; TCP/IPv6 needs 74 bytes of headers.
        packets.put("udp4", PacketBuilder.udp4(UDP4_SRC, 40000, "10.0.0.1", UDP_PORT).minimumFrameSize(60).build());
        packets.put("tcp6", PacketBuilder.tcp6(TCP6_SRC, 40000, "2001:db8::1", TCP_PORT).build());
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        int idArg = Arrays.asList(args).indexOf("--id");
        String id = idArg >= 0 && idArg + 1 < args.length ? args[idArg + 1]
                : "xgb" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        int onlyArg = Arrays.asList(args).indexOf("--only");
        Config config = (quick ? Config.quick() : Config.full()).withMatrix(intsArg(args, "--rules"), intsArg(args, "--cidrs"));
        PrintStream stdout = System.out;
        DataplaneBenchmark bench = new DataplaneBenchmark(config, line -> {
            stdout.println(line);
            stdout.flush();
        }, id);
        if (onlyArg >= 0 && onlyArg + 1 < args.length) {
            bench.only = Set.of(args[onlyArg + 1].split(","));
        }
        List<CapacityProfile> profiles = new ArrayList<>();
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--capacities")) {
                profiles.add(CapacityProfile.parse(args[i + 1]));
            }
        }
        if (!profiles.isEmpty()) {
            bench.profiles = List.copyOf(profiles);
        }
        bench.run();
    }

    /** The comma-separated integers after {@code option}, or null when it is absent. */
    private static int[] intsArg(String[] args, String option) {
        int at = Arrays.asList(args).indexOf(option);
        if (at < 0 || at + 1 >= args.length) {
            return null;
        }
        return Arrays.stream(args[at + 1].split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** Runs every benchmark; cleans up its veths, netns and xdp-filter even when one fails. */
    public void run() throws Exception {
        Thread hook = new Thread(this::cleanUp);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            emit(machine());
            if (only.contains("test_run")) {
                List<Guard> guards = new ArrayList<>();
                try {
                    for (CapacityProfile profile : profiles) {
                        guards.add(new Guard("xdpguard", profile, load(profile)));
                    }
                    // the shipped program's cost for a packet whose vectors are not remembered (docs/dataplane.md)
                    guards.add(new Guard("xdpguard_memo_miss", profiles.get(0), Classifier.load(
                            ObjectBytes.of(BpfSources.classifier("XG_MEMO_FORCE_MISS")), null, profiles.get(0).capacities())));
                    testRunMatrix(guards);
                } finally {
                    guards.forEach(g -> g.classifier().close());
                }
            }
            for (CapacityProfile profile : profiles) {
                if (only.contains("drop")) {
                    try (Classifier classifier = load(profile)) {
                        dropThroughput(classifier, profile);
                    }
                }
                if (only.contains("load")) {
                    loadAndApply(profile);
                }
            }
        } finally {
            cleanUp();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    private static Classifier load(CapacityProfile profile) {
        return Classifier.load(ObjectBytes.shipped(), null, profile.capacities());
    }

    // ---- rule sets ----------------------------------------------------------------------------------------------

    /**
     * {@code rules} rules: the blocklist (one rule dropping {@code cidrs} source CIDRs, none containing the packets'
     * sources) first when cidrs > 0, then fillers over ports/protocols/sources/source ports that the packets do not
     * match (an eighth of them on the packets' own ports but from other sources, so that the address dimensions
     * decide), then the target rule that drops both packets by source prefix. 1 rule: the blocklist alone (the
     * packets match nothing and pass after every lookup) or, without CIDRs, the target alone.
     */
    RuleSet ruleSet(int rules, AddressMatch blocklist) {
        List<MatchRule> out = new ArrayList<>(rules);
        boolean hasBlocklist = blocklist.size() > 0;
        if (hasBlocklist) {
            out.add(rule("blocklist", "cidrs", RuleAction.Drop, blocklist, Protocol.Any, List.of(), List.of(), Set.of()));
        }
        int fillers = rules - out.size() - 1;
        for (int i = 0; i < fillers; i++) {
            out.add(filler(i));
        }
        if (out.size() < rules) {
            out.add(target());
        }
        return new RuleSet(out, DefaultVerdict.PASS);
    }

    static MatchRule target() {
        return rule("clients", "drop-bench-sources", RuleAction.Drop,
                AddressMatch.of(List.of(new IPAddressString(TARGET4).getAddress(), new IPAddressString(TARGET6).getAddress())),
                Protocol.Any, List.of(), List.of(), Set.of());
    }

    static MatchRule filler(int i) {
        String filter = "app-" + (i / 64);
        RuleAction action = i % 3 == 0 ? RuleAction.Pass : RuleAction.Drop;
        Protocol protocol = i % 10 == 9 ? Protocol.ICMP : i % 2 == 0 ? Protocol.TCP : Protocol.UDP;
        List<Ports.Range> ports = List.of();
        Set<Integer> icmp = Set.of();
        List<Ports.Range> sourcePorts = List.of();
        AddressMatch sources = AddressMatch.ANY;
        if (protocol == Protocol.ICMP) {
            icmp = Set.of(8);
        } else if (i % 8 == 1 || i % 8 == 2) {
            // the packets' own ports, from sources the packets do not come from
            ports = List.of(new Ports.Range(protocol == Protocol.TCP ? TCP_PORT : UDP_PORT, protocol == Protocol.TCP ? TCP_PORT : UDP_PORT));
        } else {
            int p = 20000 + (i * 9) % 40000;
            ports = List.of(i % 5 == 0 ? new Ports.Range(p, p + 7) : new Ports.Range(p, p));
        }
        if (i % 3 != 0 || i % 8 == 1 || i % 8 == 2) {
            List<IPAddress> prefixes = new ArrayList<>();
            prefixes.add(new IPAddressString("100." + (64 + (i >> 8) % 64) + "." + (i & 255) + ".0/24").getAddress());
            if (i % 2 == 0) {
                prefixes.add(new IPAddressString("2001:db8:" + Integer.toHexString(0x1000 + i) + "::/48").getAddress());
            }
            sources = AddressMatch.of(prefixes);
        }
        if (i % 7 == 3 && protocol != Protocol.ICMP) {
            sourcePorts = List.of(new Ports.Range(53, 53));
        }
        return rule(filter, "r" + i, action, sources, protocol, ports, sourcePorts, icmp);
    }

    static MatchRule rule(String filter, String name, RuleAction action, AddressMatch sources, Protocol protocol,
            List<Ports.Range> ports, List<Ports.Range> sourcePorts, Set<Integer> icmpTypes) {
        return new MatchRule(filter, name, action, false, false, sources, AddressMatch.ANY, protocol, ports, sourcePorts,
                icmpTypes, 0, 0, false, 0);
    }

    /**
     * {@code count} distinct source CIDRs shaped like a big reputation blocklist: 80% IPv4 hosts, 10% IPv4 networks
     * (/16../30), 5% IPv6 hosts, 5% IPv6 networks (/32../64). Built from bytes, never by parsing strings; none
     * contains the benchmark packets' sources.
     */
    AddressMatch blocklist(int count, long seed) {
        Random random = new Random(seed);
        Set<Object> seen = new HashSet<>(count * 2);
        List<IPAddress> out = new ArrayList<>(count);
        IPAddress avoid4 = new IPAddressString(UDP4_SRC).getAddress();
        IPAddress avoid6 = new IPAddressString(TCP6_SRC).getAddress();
        while (out.size() < count) {
            int kind = random.nextInt(20);
            IPAddress a;
            if (kind < 18) {
                int length = kind < 16 ? 32 : 16 + random.nextInt(15);
                int bits = random.nextInt() & (length == 32 ? -1 : (int) (0xffffffffL << (32 - length)));
                if (!seen.add(((long) bits << 8) | length)) {
                    continue;
                }
                a = generator.from(ByteBuffer.allocate(4).putInt(bits).array(), length);
                if (a.contains(avoid4)) {
                    continue;
                }
            } else {
                int length = kind == 18 ? 128 : 32 + random.nextInt(33);
                long hi = random.nextLong();
                long lo = length == 128 ? random.nextLong() : 0;
                if (length < 64) {
                    hi &= -1L << (64 - length);
                }
                if (!seen.add(List.of(hi, lo, length))) {
                    continue;
                }
                a = generator.from(ByteBuffer.allocate(16).putLong(hi).putLong(lo).array(), length);
                if (a.contains(avoid6)) {
                    continue;
                }
            }
            out.add(a);
        }
        return AddressMatch.of(out);
    }

    // ---- BPF_PROG_TEST_RUN -------------------------------------------------------------------------------------

    /** A classifier the test_run matrix times, under the program name its lines carry. */
    private record Guard(String name, CapacityProfile profile, Classifier classifier) {
    }

    /**
     * Per configuration, every classifier (one per capacity profile, and the force-miss build), xdp-filter and
     * xdp_pass run interleaved. Each classifier holds the rule set in both slots (as an agent does once idle) when its
     * map memory is read.
     */
    private void testRunMatrix(List<Guard> xdpguards) throws Exception {
        XdpFilter xdpFilter = XdpFilter.load(id + "f", cleanup);
        try (BpfObjectFile passObj = BpfObjectFile.openResource("/io/xdpguard/bpf/xdp_pass.bpf.o")) {
            passObj.load();
            BpfProgram pass = passObj.program("xdp_pass");
            BpfProgram filter = xdpFilter.program;
            int guards = xdpguards.size();
            BpfProgram[] programs = new BpfProgram[guards + 2];
            String[] names = new String[guards + 2];
            for (int g = 0; g < guards; g++) {
                programs[g] = xdpguards.get(g).classifier().program();
                names[g] = xdpguards.get(g).name();
            }
            programs[guards] = filter;
            names[guards] = "xdp-filter";
            programs[guards + 1] = pass;
            names[guards + 1] = "xdp_pass";
            for (int cidrs : config.cidrCounts()) {
                AddressMatch blocklist = cidrs == 0 ? AddressMatch.of(List.of()) : blocklist(cidrs, 42);
                for (int rules : config.ruleCounts()) {
                    RuleSet ruleSet = ruleSet(rules, blocklist);
                    long[] memlock = new long[guards];
                    String[] occupancy = new String[guards];
                    for (int g = 0; g < guards; g++) {
                        Classifier classifier = xdpguards.get(g).classifier();
                        long t0 = System.nanoTime();
                        classifier.apply(ruleSet);
                        log("%s %s: rules=%d cidrs=%d applied in %d ms", names[g], xdpguards.get(g).profile().name(), rules, cidrs,
                                (System.nanoTime() - t0) / 1_000_000);
                        classifier.prepareInactiveSlot();
                        memlock[g] = ClassifierMemory.memlockBytes(classifier.program());
                        occupancy[g] = occupancy(classifier);
                    }
                    for (Map.Entry<String, byte[]> p : packets.entrySet()) {
                        long[][] ns = new long[programs.length][config.runs()];
                        int[] verdicts = new int[programs.length];
                        for (int k = 0; k < programs.length; k++) {
                            verdicts[k] = programs[k].testRun(p.getValue(), Math.max(1, config.repeat() / 10)).retval();
                        }
                        // interleaved run by run, so that drift and noise hit every program alike
                        for (int r = 0; r < config.runs(); r++) {
                            for (int k = 0; k < programs.length; k++) {
                                TestRunResult res = programs[k].testRun(p.getValue(), config.repeat());
                                ns[k][r] = res.durationNs();
                            }
                        }
                        double xf = median(ns[guards]);
                        double floor = median(ns[guards + 1]);
                        for (int k = 0; k < programs.length; k++) {
                            StringBuilder line = new StringBuilder().append("{\"bench\":\"test_run\",\"program\":\"")
                                    .append(names[k]).append("\",\"rules\":").append(rules).append(",\"cidrs\":")
                                    .append(cidrs).append(",\"packet\":\"").append(p.getKey()).append("\",\"bytes\":")
                                    .append(p.getValue().length).append(",\"repeat\":").append(config.repeat())
                                    .append(",\"verdict\":\"").append(XdpAction.of(verdicts[k]).map(Enum::name).orElse("?"))
                                    .append("\",\"ns_per_packet\":").append(fmt(median(ns[k])))
                                    .append(",\"runs\":").append(Arrays.toString(ns[k]).replace(" ", ""));
                            if (k < guards) {
                                line.append(',').append(xdpguards.get(k).profile().json()).append(",\"map_memlock_bytes\":")
                                        .append(memlock[k]).append(',').append(occupancy[k]).append(",\"ratio_vs_xdp_filter\":")
                                        .append(fmt(median(ns[k]) / xf)).append(",\"ratio_vs_xdp_pass\":")
                                        .append(fmt(median(ns[k]) / floor));
                            }
                            emit(line.append('}').toString());
                        }
                    }
                }
            }
        } finally {
            xdpFilter.close();
        }
    }

    /** xdp-filter loaded on a veth of its own, with a few entries the benchmark packets do not match. */
    static final class XdpFilter implements AutoCloseable {
        /** libxdp's lock directory: removed afterwards (when empty) if this benchmark made it appear. */
        private static final java.nio.file.Path LIBXDP_DIR = java.nio.file.Path.of("/sys/fs/bpf/xdp");
        final String veth;
        final BpfProgram program;
        private final boolean libxdpDirExisted;

        private XdpFilter(String veth, BpfProgram program, boolean libxdpDirExisted) {
            this.veth = veth;
            this.program = program;
            this.libxdpDirExisted = libxdpDirExisted;
        }

        static XdpFilter load(String veth, List<String> cleanup) {
            boolean libxdpDirExisted = java.nio.file.Files.exists(LIBXDP_DIR);
            cleanup.add("xdp-filter unload " + veth);
            cleanup.add("ip link del " + veth);
            sh("ip link add " + veth + " type veth peer name " + veth + "p");
            sh("ip link set " + veth + " up");
            sh("ip link set " + veth + "p up");
            sh("xdp-filter load " + veth);
            // a few entries, none matching the packets: xdp-filter does every lookup, then passes
            sh("xdp-filter ip 203.0.113.9 -m src");
            sh("xdp-filter ip 2001:db8:dead::9 -m src");
            sh("xdp-filter ip 10.255.0.1 -m dst");
            sh("xdp-filter port 9999");
            sh("xdp-filter port 12345 -m src");
            int progId = XdpAttachment.query(NetInterfaces.requireIndex(veth)).progId();
            BpfProgram program = BpfProgram.fromId(progId);
            log("xdp-filter: %s on %s", program, veth);
            return new XdpFilter(veth, program, libxdpDirExisted);
        }

        @Override
        public void close() {
            program.close();
            shQuiet("xdp-filter unload " + veth);
            shQuiet("ip link del " + veth);
            if (!libxdpDirExisted) {
                shQuiet("rmdir " + LIBXDP_DIR);
            }
        }
    }

    // ---- drop throughput -----------------------------------------------------------------------------------------

    /**
     * Three veth pairs, one end of each in this netns (where the generator runs), the other in netns {id}: xdpguard
     * natively attached on one peer, xgb_drop_count on the second, xdp-filter dropping the packet's source on the
     * third (for scale: what an exact-match filter keeps of a bare XDP_DROP). The generator XDP_REDIRECTs live
     * frames into the chosen pair; drops are counted by the receiving program's counters (xdpguard: the target
     * rule's counter; xdp-filter: its XDP_DROP statistics) and divided by the wall time of the generator run.
     */
    private void dropThroughput(Classifier classifier, CapacityProfile profile) throws Exception {
        String ns = id;
        boolean libxdpDirExisted = Files.exists(XdpFilter.LIBXDP_DIR);
        cleanup.add("ip netns del " + ns);
        cleanup.add("nsenter --net=/run/netns/" + ns + " xdp-filter unload " + id + "b2");
        for (int i = 0; i < 3; i++) {
            cleanup.add("ip link del " + id + "a" + i);
        }
        sh("ip netns add " + ns);
        for (int i = 0; i < 3; i++) {
            sh("ip link add " + id + "a" + i + " type veth peer name " + id + "b" + i + " netns " + ns);
            sh("ip link set " + id + "a" + i + " up");
            sh("ip -n " + ns + " link set " + id + "b" + i + " up");
        }
        RuleSet ruleSet = ruleSet(THROUGHPUT_RULES, blocklist(THROUGHPUT_CIDRS, 7));
        Classifier.Applied applied = classifier.apply(ruleSet);
        int targetCounter = applied.counterIds()[ruleSet.rules().size() - 1];
        byte[] frame = packets.get("udp4");
        if (classifier.testRun(frame).retval() != XdpAction.DROP.code()) {
            throw new IllegalStateException("the throughput rule set must drop the udp4 packet");
        }
        try (BpfObjectFile gen = BpfObjectFile.open(BpfSources.compile("xgb_gen"));
                BpfObjectFile drop = BpfObjectFile.open(BpfSources.compile("xgb_drop_count"))) {
            gen.load();
            drop.load();
            // nsenter --net, not ip -n: ip netns exec remounts /sys; attached by id, so nothing is pinned
            sh("nsenter --net=/run/netns/" + ns + " bpftool net attach xdpdrv id " + classifier.program().id() + " dev " + id + "b0");
            sh("nsenter --net=/run/netns/" + ns + " bpftool net attach xdpdrv id " + drop.program("xgb_drop_count").id() + " dev " + id + "b1");
            // every xdp-filter command in the netns of its interface: run elsewhere, it forgets an interface it
            // cannot see, and its unload then leaves the pins behind
            String inNs = "nsenter --net=/run/netns/" + ns + " ";
            sh(inNs + "xdp-filter load -m native " + id + "b2");
            sh(inNs + "xdp-filter ip " + UDP4_SRC + " -m src");
            BpfMap tx = gen.map("xgb_tx");
            BpfMap dropCounter = drop.map("xgb_drops");
            BpfProgram generatorProg = gen.program("xgb_gen");
            int[] ifindex = {NetInterfaces.requireIndex(id + "a0"), NetInterfaces.requireIndex(id + "a1"),
                    NetInterfaces.requireIndex(id + "a2")};
            String[] names = {"xdpguard", "xdp_drop", "xdp-filter"};
            String[] countedBy = {"xdpguard rule counter", "per-CPU counter in xgb_drop_count", "xdp-filter status XDP_DROP"};
            LongSupplier[] drops = {() -> classifier.maps().ruleCounters(targetCounter).packets(),
                    () -> perCpuSum(dropCounter), () -> xdpFilterDrops(inNs)};
            double[][] mpps = new double[3][config.liveRuns()];
            long[][] counted = new long[3][config.liveRuns()];
            for (int r = -1; r < config.liveRuns(); r++) { // r = -1: warm-up
                for (int k = 0; k < 3; k++) {
                    tx.update(u32(0), u32(ifindex[k]));
                    long before = drops[k].getAsLong();
                    long t0 = System.nanoTime();
                    generatorProg.testRunLiveFrames(frame, r < 0 ? config.liveFrames() / 10 : config.liveFrames(), ifindex[k], 64);
                    long elapsed = System.nanoTime() - t0;
                    TimeUnit.MILLISECONDS.sleep(20); // let a last NAPI poll finish before reading
                    long after = drops[k].getAsLong();
                    if (r >= 0) {
                        counted[k][r] = after - before;
                        mpps[k][r] = (after - before) * 1000.0 / elapsed;
                    }
                }
            }
            for (int k = 0; k < 3; k++) {
                StringBuilder line = new StringBuilder().append("{\"bench\":\"drop_throughput\",\"program\":\"")
                        .append(names[k]).append("\",\"rules\":").append(k == 0 ? THROUGHPUT_RULES : 0)
                        .append(",\"cidrs\":").append(k == 0 ? THROUGHPUT_CIDRS : 0)
                        .append(",\"packet\":\"udp4\",\"frames_sent\":").append(config.liveFrames())
                        .append(",\"frames_dropped\":").append(Arrays.toString(counted[k]).replace(" ", ""))
                        .append(",\"counted_by\":\"").append(countedBy[k])
                        .append("\",\"mpps\":").append(fmt(median(mpps[k]))).append(",\"runs\":").append(fmtArray(mpps[k]));
                if (k == 0) {
                    line.append(',').append(profile.json());
                }
                if (k != 1) {
                    line.append(",\"ratio_vs_xdp_drop\":").append(fmt(median(mpps[k]) / median(mpps[1])));
                }
                emit(line.append('}').toString());
            }
        } finally {
            shQuiet("nsenter --net=/run/netns/" + ns + " xdp-filter unload " + id + "b2");
            shQuiet("ip netns del " + ns);
            for (int i = 0; i < 3; i++) {
                shQuiet("ip link del " + id + "a" + i);
            }
            if (!libxdpDirExisted) {
                shQuiet("rmdir " + XdpFilter.LIBXDP_DIR);
            }
        }
    }

    /** Packets xdp-filter has dropped so far (its aggregate statistics, over every interface it is loaded on). */
    private static long xdpFilterDrops(String inNs) {
        Matcher m = Pattern.compile("XDP_DROP\\s+(\\d+) pkts").matcher(shOut(inNs + "xdp-filter status"));
        if (!m.find()) {
            throw new IllegalStateException("no XDP_DROP line in xdp-filter status");
        }
        return Long.parseLong(m.group(1));
    }

    private static long perCpuSum(BpfMap map) {
        long sum = 0;
        for (byte[] cpu : map.lookupPerCpu(u32(0)).orElseThrow()) {
            sum += ByteBuffer.wrap(cpu).order(ByteOrder.nativeOrder()).getLong(0);
        }
        return sum;
    }

    // ---- load and apply times ------------------------------------------------------------------------------------

    /**
     * load_cidrs: a fresh classifier, one Classifier.apply of a rule set holding the CIDRs (compile + every map
     * write + switch). compile_ms is RuleCompiler.compile alone on the same rule set, for the breakdown.
     * apply_one_rule_change: with the CIDRs in force, successive applies that each change one rule's port (the
     * CIDR list is the same object, as it is while its XdpCidrSet does not change), {@link #CHANGE_INTERVAL_MS}
     * apart as the agent's debounce spaces them: an apply returns at its switch, and one that follows another
     * within an RCU grace period (~5-30 ms) also waits for the end of the previous one's.
     */
    private void loadAndApply(CapacityProfile profile) throws Exception {
        int cidrs = config.loadCidrs();
        AddressMatch blocklist = blocklist(cidrs, 99);
        RuleSet ruleSet = ruleSet(THROUGHPUT_RULES, blocklist);
        int[] ids = CounterIds.NONE.assign(ruleSet).ids();
        SlotCapacity capacity = slotCapacity(profile);
        double[] load = new double[config.loadRuns()];
        double[] compile = new double[config.loadRuns()];
        for (int r = 0; r < config.loadRuns(); r++) {
            long c0 = System.nanoTime();
            RuleCompiler.compile(ruleSet, ids, capacity, null);
            compile[r] = (System.nanoTime() - c0) / 1e6;
            try (Classifier classifier = load(profile)) {
                long t0 = System.nanoTime();
                classifier.apply(ruleSet);
                load[r] = (System.nanoTime() - t0) / 1e6;
            }
            log("load %d cidrs: %.1f ms (compile alone %.1f ms)", cidrs, load[r], compile[r]);
        }
        emit("{\"bench\":\"load_cidrs\",\"rules\":" + THROUGHPUT_RULES + ",\"cidrs\":" + cidrs + "," + profile.json()
                + ",\"ms\":" + fmt(median(load))
                + ",\"runs\":" + fmtArray(load) + ",\"compile_ms\":" + fmt(median(compile)) + ",\"compile_runs\":"
                + fmtArray(compile) + "}");

        double[] change = new double[config.changeRuns()];
        try (Classifier classifier = load(profile)) {
            classifier.apply(ruleSet);
            RuleSet current = ruleSet;
            for (int r = -2; r < config.changeRuns(); r++) { // two warm-up changes: both slots hold the CIDRs
                List<MatchRule> rules = new ArrayList<>(current.rules());
                int which = 1 + Math.floorMod(r * 37, rules.size() - 2);
                MatchRule old = rules.get(which);
                int port = 10000 + Math.floorMod(r, 50);
                rules.set(which, new MatchRule(old.filter(), old.ruleName(), old.action(), old.audit(), old.failsafe(),
                        old.sources(), old.destinations(), Protocol.TCP, List.of(new Ports.Range(port, port)), List.of(),
                        Set.of(), 0, 0, false, 0));
                current = new RuleSet(rules, current.defaultVerdict());
                TimeUnit.MILLISECONDS.sleep(CHANGE_INTERVAL_MS);
                long t0 = System.nanoTime();
                classifier.apply(current);
                double ms = (System.nanoTime() - t0) / 1e6;
                if (r >= 0) {
                    change[r] = ms;
                }
                log("one-rule change with %d cidrs: %.1f ms", cidrs, ms);
            }
        }
        emit("{\"bench\":\"apply_one_rule_change\",\"rules\":" + THROUGHPUT_RULES + ",\"cidrs\":" + cidrs + ","
                + profile.json() + ",\"interval_ms\":" + CHANGE_INTERVAL_MS + ",\"ms\":"
                + fmt(median(change)) + ",\"runs\":" + fmtArray(change) + "}");
    }

    /**
     * Where the source dimension's entries went: host hash, LPM trie, /24 chunks, IPv6 blocks (used of the capacity
     * per slot).
     */
    private static String occupancy(Classifier classifier) {
        StringBuilder out = new StringBuilder();
        for (String table : List.of("src_hosts", "src_prefixes", "src_chunks", "src_ipv6_blocks")) {
            Dataplane.Occupancy o = classifier.occupancy().get(table);
            out.append(out.isEmpty() ? "" : ",").append('"').append(table).append("\":[").append(o.used()).append(',')
                    .append(o.capacity()).append(']');
        }
        return out.toString();
    }

    /** What a compile for the profile's maps may use of a slot, as the loaded classifier would report it. */
    private static SlotCapacity slotCapacity(CapacityProfile profile) {
        try (Classifier classifier = load(profile)) {
            return classifier.maps().slotCapacity();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private String machine() {
        String cpu = "?";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        } catch (IOException e) {
            // keep "?"
        }
        return "{\"bench\":\"machine\",\"kernel\":\"" + shOut("uname -r").trim() + "\",\"cpu\":\"" + cpu
                + "\",\"cpus\":" + Runtime.getRuntime().availableProcessors() + ",\"java\":\""
                + System.getProperty("java.version") + "\",\"xdp_filter\":\"" + shOut("xdp-filter load --version").trim()
                + "\",\"mode\":\"" + (config.repeat() < 1_000_000 ? "quick" : "full") + "\"}";
    }

    private void emit(String line) {
        out.accept(line);
    }

    static void log(String format, Object... args) {
        System.err.println("[bench] " + String.format(Locale.ROOT, format, args));
    }

    static double median(long[] values) {
        return median(Arrays.stream(values).asDoubleStream().toArray());
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static String fmtArray(double[] values) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            b.append(i > 0 ? "," : "").append(fmt(values[i]));
        }
        return b.append(']').toString();
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    private void cleanUp() {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            shQuiet(cleanup.get(i));
        }
        cleanup.clear();
    }

    static void sh(String command) {
        Result r = exec(command);
        if (r.code != 0) {
            throw new IllegalStateException("'" + command + "' failed (" + r.code + "): " + r.output);
        }
    }

    static void shQuiet(String command) {
        exec(command);
    }

    static String shOut(String command) {
        return exec(command).output;
    }

    private record Result(int code, String output) {
    }

    private static Result exec(String command) {
        try {
            Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, output);
            }
            return new Result(p.exitValue(), output);
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, e.toString());
        }
    }

    /** Test BPF sources of the benchmark (node-agent/src/test/bpf), compiled with clang once per JVM. */
    static final class BpfSources {
        private static final Map<String, Path> CACHE = new LinkedHashMap<>();

        static Path compile(String name) throws IOException {
            return compile(name, repoRoot().resolve("node-agent/src/test/bpf/" + name + ".bpf.c"), "");
        }

        /** The classifier (bpf/src) compiled with {@code -D define}: a benchmark-only variant of the shipped program. */
        static Path classifier(String define) throws IOException {
            Path root = repoRoot();
            return compile("xdpguard-" + define, root.resolve("bpf/src/xdpguard.bpf.c"),
                    "-D" + define + " -I" + root.resolve("bpf/include"));
        }

        private static synchronized Path compile(String name, Path source, String flags) throws IOException {
            Path cached = CACHE.get(name);
            if (cached != null) {
                return cached;
            }
            Path out = Files.createTempDirectory("xgb-bpf").resolve(name + ".bpf.o");
            out.toFile().deleteOnExit();
            out.getParent().toFile().deleteOnExit();
            String arch = "/usr/include/" + System.getProperty("os.arch").replace("amd64", "x86_64") + "-linux-gnu";
            sh("clang -O2 -g -target bpf -Wall -Werror " + flags + " -I" + arch + " -c " + source + " -o " + out);
            CACHE.put(name, out);
            return out;
        }

        private static Path repoRoot() {
            String prop = System.getProperty("xdpguard.repo.root");
            if (prop != null && !prop.isBlank()) {
                return Path.of(prop).toAbsolutePath();
            }
            for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("node-agent/src/test/bpf"))) {
                    return p;
                }
            }
            throw new IllegalStateException("cannot find the checkout root (set -Dxdpguard.repo.root)");
        }
    }
}
