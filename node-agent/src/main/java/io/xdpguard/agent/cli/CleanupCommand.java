package io.xdpguard.agent.cli;

import io.xdpguard.agent.dataplane.kernel.KernelDataplane;
import io.xdpguard.agent.dataplane.libbpf.Libbpf;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Uninstall: detaches every xdpguard program on this host and removes everything it pinned; says what it removed. */
@Command(name = "cleanup", mixinStandardHelpOptions = true,
        description = "Detach every xdpguard XDP program on this host and remove all its pins (for uninstall).")
public class CleanupCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--bpffs-root", defaultValue = "/sys/fs/bpf", description = "bpffs mount point.")
    Path bpffsRoot;

    @Override
    public Integer call() {
        if (!Libbpf.isAvailable()) {
            spec.commandLine().getErr().println("error: BPF is unavailable on this host: " + Libbpf.unavailabilityCause().getMessage());
            return ExitCodes.BPF_UNAVAILABLE;
        }
        try (KernelDataplane dataplane = new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(bpffsRoot))) {
            List<String> removed = dataplane.removeAll();
            removed.forEach(spec.commandLine().getOut()::println);
            spec.commandLine().getOut().println(removed.isEmpty() ? "nothing of xdpguard's was found" : "removed " + removed.size() + " item(s)");
        }
        return ExitCodes.OK;
    }
}
