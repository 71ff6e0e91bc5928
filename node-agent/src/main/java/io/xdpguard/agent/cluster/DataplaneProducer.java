package io.xdpguard.agent.cluster;

import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.DropSampleSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;

/**
 * Where the cluster agent gets its dataplane and drop samples. MERGE POINT: point {@link #dataplane()} at
 * KernelDataplane (and {@link #dropSamples} at its ring-buffer reader) once it exists; tests replace both with
 * alternatives (FakeDataplane).
 */
@ApplicationScoped
public class DataplaneProducer {

    @Produces
    @Singleton
    Dataplane dataplane() {
        throw new IllegalStateException("the kernel dataplane is not available in this build (KernelDataplane is not wired yet)");
    }

    @Produces
    @Singleton
    DropSampleSource dropSamples(Dataplane dataplane) {
        return dataplane instanceof DropSampleSource source ? source : DropSampleSource.none();
    }
}
