package io.xdpguard.agent.cli;

import io.xdpguard.agent.dataplane.Dataplane.Removal;
import io.xdpguard.agent.dataplane.kernel.KernelDataplane;
import io.xdpguard.agent.dataplane.libbpf.Libbpf;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Uninstall: detaches every xdpguard program on this host and removes everything it pinned; says what it removed, and
 * exits non-zero when something could not be removed, so that an uninstall script does not report a clean host.
 */
@Command(name = "cleanup", mixinStandardHelpOptions = true,
        description = "Detach every xdpguard XDP program on this host and remove all its pins (for uninstall).")
public class CleanupCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--bpffs-root", defaultValue = "/sys/fs/bpf", description = "bpffs mount point.")
    Path bpffsRoot;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (!Libbpf.isAvailable()) {
            err.println("error: BPF is unavailable on this host: " + Libbpf.unavailabilityCause().getMessage());
            return ExitCodes.BPF_UNAVAILABLE;
        }
        Removal removal;
        try (KernelDataplane dataplane = new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(bpffsRoot))) {
            removal = dataplane.removeAll();
        }
        PrintWriter out = spec.commandLine().getOut();
        removal.removed().forEach(out::println);
        removal.failures().forEach(f -> err.println("error: " + f));
        if (!removal.complete()) {
            err.println("error: cleanup is incomplete: " + removal.failures().size()
                    + " item(s) could not be removed; fix the cause and run cleanup again");
            return ExitCodes.INCOMPLETE;
        }
        out.println(removal.removed().isEmpty() ? "nothing of xdpguard's was found"
                : "removed " + removal.removed().size() + " item(s)");
        return ExitCodes.OK;
    }
}
