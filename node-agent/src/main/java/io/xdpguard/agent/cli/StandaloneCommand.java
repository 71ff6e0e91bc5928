package io.xdpguard.agent.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.xdpguard.agent.cluster.AgentConfig;
import io.xdpguard.agent.cluster.DropSampleStore;
import io.xdpguard.agent.cluster.DropSamples;
import io.xdpguard.agent.dataplane.kernel.KernelDataplane;
import io.xdpguard.agent.dataplane.kernel.MapCapacities;
import io.xdpguard.agent.dataplane.libbpf.BpffsLock;
import io.xdpguard.agent.dataplane.libbpf.Libbpf;
import io.xdpguard.agent.dataplane.libbpf.NetInterfaces;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.metrics.AgentMetrics;
import io.xdpguard.agent.standalone.StandaloneAgent;
import io.xdpguard.agent.standalone.StandaloneReadiness;
import io.xdpguard.api.validation.Cidrs;
import io.xdpguard.api.validation.XdpFilterValidator;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The agent without Kubernetes (bare metal, edge): enforces the XdpFilter and XdpCidrSet files of a directory on
 * this host and follows changes to the files and to the host's interfaces.
 */
@Command(name = "standalone", mixinStandardHelpOptions = true,
        description = "Enforce the XdpFilter/XdpCidrSet YAML files of a directory on this host, following changes.")
public class StandaloneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Set when Quarkus runs the command: the registry behind /q/metrics (null when run without CDI, e.g. tests). */
    @Inject
    MeterRegistry registry;

    /** Set when Quarkus runs the command, as registry: drop samples (GET /drops, the log, metrics), readiness. */
    @Inject
    DropSampleStore sampleStore;
    @Inject
    AgentConfig config;
    @Inject
    StandaloneReadiness readiness;

    @Option(names = "--config-dir", required = true, description = "Directory of XdpFilter and XdpCidrSet YAML files.")
    Path configDir;

    @Option(names = "--node-labels", split = ",", description = "This node's labels for nodeSelector, e.g. role=edge,zone=a.")
    List<String> nodeLabels = new ArrayList<>();

    @Option(names = "--node-labels-file", description = "A file of key=value lines, re-read every pass.")
    Path nodeLabelsFile;

    @Option(names = "--bpffs-root", defaultValue = "/sys/fs/bpf", description = "bpffs mount point (mounted if needed).")
    Path bpffsRoot;

    @Option(names = "--interval-ms", defaultValue = "2000", description = "How often files and interfaces are re-read.")
    long intervalMillis;

    @Option(names = "--failsafe-cidr", description = "A source CIDR always passed, e.g. your management network (repeatable).")
    List<String> failsafeCidrs = new ArrayList<>();

    @Option(names = "--no-failsafe", description = "Leave out the built-in failsafe rules (SSH, API server, DHCP, ND ...).")
    boolean noFailsafe;

    @Option(names = "--once", description = "Apply once and exit (the rules stay enforced).")
    boolean once;

    @Option(names = "--host-entries-per-slot", defaultValue = "" + MapCapacities.DEFAULT_HOSTS_PER_SLOT,
            description = "Exact addresses per address dimension held in hash maps; more go to the LPM tries (docs/operations.md, map capacities).")
    int hostEntriesPerSlot;

    @Option(names = "--lpm-entries-per-slot", defaultValue = "" + MapCapacities.DEFAULT_PREFIXES_PER_SLOT,
            description = "LPM prefixes per address dimension and family.")
    int lpmEntriesPerSlot;

    @Option(names = "--ipv4-chunks-per-slot", defaultValue = "" + MapCapacities.DEFAULT_CHUNKS_PER_SLOT,
            description = "IPv4 /24 chunks per address dimension (1..65536): /16s whose /24s are answered without the trie.")
    int ipv4ChunksPerSlot;

    @Option(names = "--ipv6-blocks-per-slot", defaultValue = "" + MapCapacities.DEFAULT_IPV6_BLOCKS_PER_SLOT,
            description = "IPv6 /32 and /48 blocks per address dimension answered without the trie; more are left to it.")
    int ipv6BlocksPerSlot;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(configDir)) {
            spec.commandLine().getErr().println("error: --config-dir " + configDir + " is not a directory");
            return ExitCodes.INVALID_INPUT;
        }
        FailsafeConfig failsafe;
        try {
            failsafe = noFailsafe ? FailsafeConfig.disabled()
                    : FailsafeConfig.defaults().withSourceCidrs(failsafeCidrs.stream().map(Cidrs::parse).toList());
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: --failsafe-cidr " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        MapCapacities capacities;
        try {
            capacities = MapCapacities.configured(hostEntriesPerSlot, lpmEntriesPerSlot, ipv4ChunksPerSlot, ipv6BlocksPerSlot);
        } catch (IllegalArgumentException | ArithmeticException e) {
            spec.commandLine().getErr().println("error: map capacities: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        try {
            labels(); // a typo in --node-labels fails now; the file is read again every pass
        } catch (IllegalArgumentException | UncheckedIOException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        if (!Libbpf.isAvailable()) {
            spec.commandLine().getErr().println("error: BPF is unavailable on this host: " + Libbpf.unavailabilityCause().getMessage());
            return ExitCodes.BPF_UNAVAILABLE;
        }
        try (KernelDataplane dataplane = new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(bpffsRoot)
                .withCapacities(capacities))) {
            try {
                dataplane.startupLog().forEach(line -> spec.commandLine().getOut().println("startup: " + line));
            } catch (BpffsLock.HeldException e) {
                spec.commandLine().getErr().println("error: " + e.getMessage());
                return ExitCodes.BUSY;
            } catch (RuntimeException e) {
                // e.g. bpffs cannot be mounted where its pins would outlive this process
                spec.commandLine().getErr().println("error: " + e.getMessage());
                return ExitCodes.BPF_UNAVAILABLE;
            }
            StandaloneAgent agent = new StandaloneAgent(dataplane, configDir, this::labels, NetInterfaces::names, failsafe,
                    spec.commandLine().getOut(), registry == null ? null : new AgentMetrics(registry, dataplane));
            if (once) {
                try {
                    return agent.syncOnce().errors().isEmpty() ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
                } catch (UncheckedIOException e) {
                    spec.commandLine().getErr().println("error: " + e.getMessage());
                    return ExitCodes.INVALID_INPUT;
                }
            }
            if (sampleStore == null) {
                agent.run(intervalMillis);
                return ExitCodes.OK;
            }
            // Without a reader the ring fills and every later sample counts as lost (samples_lost).
            DropSamples samples = sampleStore.start(config.samples().bufferSize(), config.samples().logPerSecond());
            readiness.started();
            agent.onReports(reports -> {
                samples.interfaces(reports);
                readiness.passed();
            });
            try (AutoCloseable subscription = dataplane.subscribe(samples)) {
                agent.run(intervalMillis);
            }
            return ExitCodes.OK;
        }
    }

    private Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        List<String> pairs = new ArrayList<>(nodeLabels);
        if (nodeLabelsFile != null) {
            try {
                pairs.addAll(Files.readAllLines(nodeLabelsFile));
            } catch (IOException e) {
                // Without them, every filter selecting by label would be removed for this pass.
                throw new UncheckedIOException("cannot read " + nodeLabelsFile + " (nothing was changed): "
                        + e.getMessage(), e);
            }
        }
        for (String pair : pairs) {
            String trimmed = pair.trim();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int eq = trimmed.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("node label \"" + trimmed + "\" is not key=value (nothing was changed)");
            }
            String key = trimmed.substring(0, eq);
            String value = trimmed.substring(eq + 1);
            XdpFilterValidator.validateLabel("node label", key, value).stream().findFirst().ifPresent(v -> {
                throw new IllegalArgumentException(v + " (nothing was changed)");
            });
            labels.put(key, value);
        }
        return labels;
    }
}
