package io.xdpguard.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.xdpguard.agent.dataplane.Reason;
import io.xdpguard.agent.dataplane.kernel.Classifier;
import io.xdpguard.agent.dataplane.kernel.ReasonCounters;
import io.xdpguard.agent.dataplane.kernel.RuleCounters;
import io.xdpguard.agent.dataplane.libbpf.Libbpf;
import io.xdpguard.agent.dataplane.packet.AddressText;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.packet.PacketParser;
import io.xdpguard.agent.dataplane.packet.ParseOutcome;
import io.xdpguard.agent.dataplane.packet.ParsedPacket;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleMerger;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.rules.RuleSetException;
import io.xdpguard.agent.files.ApiObjectFiles;
import io.xdpguard.agent.files.ApiObjects;
import io.xdpguard.agent.files.FilterNames;
import io.xdpguard.agent.files.Pcap;
import io.xdpguard.agent.plan.Selection;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs packets through the real kernel program, with the rules built exactly as the agent would build them, and
 * says what happens to each: the verdict, the winning filter and rule (read from the kernel's counters), and what
 * the parser saw. For checking a filter before rolling it out.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Run packets through the XDP program with the given filters (BPF_PROG_TEST_RUN) and print verdicts.")
public class TraceCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--filter", required = true, description = "XdpFilter YAML file (repeatable; several documents per file allowed).")
    List<Path> filterFiles = new ArrayList<>();

    @Option(names = "--cidr-set", description = "XdpCidrSet YAML file (repeatable).")
    List<Path> cidrSetFiles = new ArrayList<>();

    @Option(names = "--packet", required = true,
            description = "A packet: \"udp 192.0.2.1:3333 10.0.0.1:53\", \"icmp 192.0.2.1 10.0.0.1 8\", a frame as hex "
                    + "(from the Ethernet header on), or a pcap file (repeatable).")
    List<String> packets = new ArrayList<>();

    @Option(names = "--interface-name", description = "Use only the filters whose interfaces select this name.")
    String interfaceName;

    @Option(names = "--no-failsafe", description = "Leave out the built-in failsafe rules.")
    boolean noFailsafe;

    @Option(names = "--json", description = "One JSON object per packet instead of key=value lines.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // File by file, to tell which file defines what; a name defined twice is rejected as standalone rejects it.
        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, Path> definedIn = new LinkedHashMap<>();
        List<XdpFilter> read = new ArrayList<>();
        Map<String, XdpCidrSet> cidrSets = new LinkedHashMap<>();
        FilterNames names = new FilterNames();
        for (Path file : Stream.concat(filterFiles.stream(), cidrSetFiles.stream()).distinct().toList()) {
            ApiObjects objects = ApiObjectFiles.read(List.of(file));
            errors.addAll(objects.errors());
            if (objects.errors().isEmpty() && objects.filters().isEmpty() && filterFiles.contains(file)) {
                warnings.add("no XdpFilter in " + file);
            }
            for (XdpFilter filter : objects.filters()) {
                String duplicate = names.duplicate(filter, file.toString());
                if (duplicate == null) {
                    definedIn.put(filter.getMetadata().getName(), file);
                    read.add(filter);
                } else {
                    errors.add(duplicate);
                }
            }
            objects.cidrSets().forEach(cidrSets::putIfAbsent);
        }
        if (!errors.isEmpty()) {
            errors.forEach(e -> err.println("error: " + e));
            return ExitCodes.INVALID_INPUT;
        }
        List<XdpFilter> selected = new ArrayList<>();
        for (XdpFilter filter : read) {
            if (interfaceName == null || Selection.selectsInterface(filter.getSpec().getInterfaces(), interfaceName)) {
                selected.add(filter);
            } else {
                warnings.add(definedIn.get(filter.getMetadata().getName()) + ": XdpFilter \"" + filter.getMetadata().getName()
                        + "\" skipped: its interfaces do not select \"" + interfaceName + "\"");
            }
        }
        // Still a valid answer (what this interface would do), but rarely the question asked: say so, exit 0.
        warnings.forEach(w -> err.println("warning: " + w));
        err.flush();
        RuleSet ruleSet;
        List<byte[]> frames;
        try {
            ruleSet = RuleMerger.merge(selected, cidrSets,
                    noFailsafe ? FailsafeConfig.disabled() : FailsafeConfig.defaults());
            frames = frames();
        } catch (RuleSetException | IOException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        if (!Libbpf.isAvailable()) {
            err.println("error: BPF is unavailable on this host: " + Libbpf.unavailabilityCause().getMessage());
            return ExitCodes.BPF_UNAVAILABLE;
        }
        try (Classifier classifier = Classifier.load(null)) {
            classifier.apply(ruleSet);
            int[] counterIds = classifier.currentCounterIds();
            for (byte[] frame : frames) {
                Map<String, Object> line = trace(classifier, ruleSet, counterIds, frame);
                out.println(json ? JSON.writeValueAsString(line) : text(line));
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private List<byte[]> frames() throws IOException {
        List<byte[]> frames = new ArrayList<>();
        for (String packet : packets) {
            Path file = Path.of(packet);
            if (PacketDescription.looksLikeOne(packet)) {
                frames.add(PacketDescription.parse(packet));
            } else if (Files.isRegularFile(file)) {
                frames.addAll(Pcap.read(file));
            } else if (packet.contains("/") || packet.toLowerCase(Locale.ROOT).endsWith(".pcap")) {
                // a path, not hex: say so rather than "not a hexadecimal digit '/'"
                throw new IllegalArgumentException("--packet: " + (Files.exists(file) ? "not a regular file: "
                        : "no such file: ") + packet);
            } else {
                try {
                    frames.add(PacketBuilder.fromHex(packet.replaceAll("[\\s:]", "")));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--packet \"" + packet + "\" is neither a file nor hex: " + e.getMessage());
                }
            }
        }
        for (byte[] frame : frames) {
            if (frame.length < 14) {
                throw new IllegalArgumentException("a " + frame.length + "-byte packet is shorter than an Ethernet header");
            }
        }
        return frames;
    }

    /** Runs one frame and reads which reason and which rule counter moved: the kernel's own account. */
    private static Map<String, Object> trace(Classifier classifier, RuleSet ruleSet, int[] counterIds, byte[] frame) {
        ReasonCounters before = classifier.maps().reasonCounters();
        List<RuleCounters> rulesBefore = classifier.maps().ruleCounters(counterIds);
        int retval = classifier.testRun(frame).retval();
        ReasonCounters after = classifier.maps().reasonCounters();
        List<RuleCounters> rulesAfter = classifier.maps().ruleCounters(counterIds);

        // An Audit rule the packet matched first is counted beside the verdict's reason and rule, never as them.
        Reason reason = Stream.of(Reason.values()).filter(r -> r != Reason.SAMPLES_LOST && r != Reason.AUDIT_WOULD_DROP)
                .filter(r -> after.packets(r) > before.packets(r)).findFirst().orElse(null);
        boolean auditWouldDrop = after.packets(Reason.AUDIT_WOULD_DROP) > before.packets(Reason.AUDIT_WOULD_DROP);
        MatchRule winner = null;
        MatchRule audited = null;
        for (int i = 0; i < counterIds.length; i++) {
            if (rulesAfter.get(i).packets() > rulesBefore.get(i).packets()) {
                if (ruleSet.rules().get(i).audit()) {
                    audited = ruleSet.rules().get(i);
                } else {
                    winner = ruleSet.rules().get(i);
                }
            }
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("verdict", retval == 1 ? "DROP" : retval == 2 ? "PASS" : "RETVAL_" + retval);
        line.put("reason", reason == null ? "unknown" : reason.label());
        line.put("filter", winner == null ? "-" : winner.filter());
        line.put("rule", winner == null ? "-" : winner.ruleName());
        if (audited != null) {
            line.put("audit", audited.filter() + "/" + audited.ruleName()
                    + (auditWouldDrop ? " " + Reason.AUDIT_WOULD_DROP.label() : ""));
        }
        ParsedPacket parsed = PacketParser.parse(frame);
        line.put("parsed", parsed.outcome().name().toLowerCase());
        if (!parsed.vlanIds().isEmpty()) {
            line.put("vlans", parsed.vlanIds().stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
        if (parsed.outcome() == ParseOutcome.MALFORMED) {
            line.put("why", parsed.malformedReason());
        }
        if (parsed.family() != 0) {
            line.put("src", AddressText.of(parsed.source(), parsed.family()));
            line.put("dst", AddressText.of(parsed.destination(), parsed.family()));
            line.put("proto", parsed.protocol());
            if (parsed.laterFragment()) {
                line.put("fragment", "later");
            }
            if (parsed.sourcePort() >= 0) {
                line.put("sport", parsed.sourcePort());
                line.put("dport", parsed.destinationPort());
            }
            if (parsed.icmpType() >= 0) {
                line.put("icmp_type", parsed.icmpType());
            }
        }
        line.put("bytes", frame.length);
        return line;
    }

    private static String text(Map<String, Object> line) {
        return line.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }
}
