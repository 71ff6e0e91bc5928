package io.xdpguard.agent.cluster;

import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.DropSampleSource;
import io.xdpguard.agent.dataplane.kernel.KernelDataplane;
import io.xdpguard.agent.dataplane.kernel.MapCapacities;
import jakarta.enterprise.inject.Disposes;
import java.nio.file.Path;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;

/** Where the cluster agent gets its dataplane and drop samples: the kernel; tests replace both with alternatives. */
@ApplicationScoped
public class DataplaneProducer {

    @Produces
    @Singleton
    Dataplane dataplane(AgentConfig config) {
        return new KernelDataplane(KernelDataplane.Options.defaults().withBpffsRoot(Path.of(config.bpffsRoot()))
                .withCapacities(capacities(config.dataplane())));
    }

    static MapCapacities capacities(AgentConfig.DataplaneMaps maps) {
        return MapCapacities.configured(maps.hostEntriesPerSlot(), maps.lpmEntriesPerSlot(), maps.ipv4ChunksPerSlot(),
                maps.ipv6BlocksPerSlot());
    }

    void close(@Disposes Dataplane dataplane) {
        dataplane.close();
    }

    @Produces
    @Singleton
    DropSampleSource dropSamples(Dataplane dataplane) {
        return dataplane instanceof DropSampleSource source ? source : DropSampleSource.none();
    }
}
