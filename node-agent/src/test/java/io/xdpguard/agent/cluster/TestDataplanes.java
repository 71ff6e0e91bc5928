package io.xdpguard.agent.cluster;

import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.DropSampleSource;
import io.xdpguard.agent.dataplane.kernel.DropSample;
import io.xdpguard.agent.dataplane.testing.FakeDataplane;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Replaces the kernel dataplane and its drop samples in @QuarkusTest: a FakeDataplane and a sample source tests feed. */
@Singleton
public class TestDataplanes {
    static final FakeDataplane DATAPLANE = new FakeDataplane();
    static final List<Consumer<DropSample>> SUBSCRIBERS = new CopyOnWriteArrayList<>();

    @Produces
    @Singleton
    @Alternative
    @Priority(10)
    Dataplane dataplane() {
        return DATAPLANE;
    }

    @Produces
    @Singleton
    @Alternative
    @Priority(10)
    DropSampleSource dropSamples() {
        return consumer -> {
            SUBSCRIBERS.add(consumer);
            return () -> SUBSCRIBERS.remove(consumer);
        };
    }

    static void emit(DropSample sample) {
        SUBSCRIBERS.forEach(s -> s.accept(sample));
    }
}
