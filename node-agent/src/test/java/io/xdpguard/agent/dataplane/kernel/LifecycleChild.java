package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.InterfaceReport;
import io.xdpguard.api.v1alpha1.spec.AttachMode;
import java.nio.file.Path;
import java.util.List;

/**
 * A node agent in a child JVM, for restart and crash tests: applies one plan and then holds (until killed) or exits.
 * Args: bpffsRoot iface deniedPort mode(Auto|Native|Generic) crashPoint(- for none) then(hold|exit) [object file].
 * Prints "APPLIED <programId> <state>" once the plan is in force.
 */
public final class LifecycleChild {
    private LifecycleChild() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        String iface = args[1];
        int denied = Integer.parseInt(args[2]);
        AttachMode mode = AttachMode.valueOf(args[3]);
        String crashAt = args[4];
        CrashPoint crash = "-".equals(crashAt) ? CrashPoint.NONE : point -> {
            if (point.equals(crashAt)) {
                System.out.println("CRASHING at " + point);
                System.out.flush();
                Runtime.getRuntime().halt(137);
            }
        };
        KernelDataplane dp = new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(root)
                .withCrashPoint(crash).withObject(args.length > 6 ? ObjectBytes.of(Path.of(args[6])) : null));
        System.out.println("STARTED " + String.join(" | ", dp.startupLog()));
        List<InterfaceReport> reports = dp.apply(List.of(Lifecycle.plan(iface, mode, denied)));
        InterfaceReport r = reports.get(0);
        System.out.println("APPLIED " + r.programId() + " " + r.state() + " " + r.message());
        System.out.flush();
        if ("hold".equals(args[5])) {
            Thread.sleep(Long.MAX_VALUE);
        }
        dp.close();
    }
}
