package io.xdpguard.operator.status;

import static io.xdpguard.operator.testing.Fixtures.node;
import static io.xdpguard.operator.testing.Fixtures.notReadySince;
import static io.xdpguard.operator.testing.Fixtures.report;
import static io.xdpguard.operator.testing.Fixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.api.v1alpha1.status.FilterPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FilterReleaseTest {
    static final Instant NOW = Instant.parse("2025-06-01T10:00:00Z");
    static final Duration TIMEOUT = Duration.ofMinutes(5);

    @Test
    void waitsForEveryReadyNodeStillHoldingTheFilter() {
        var decision = FilterRelease.decide("f", List.of(state("a", report("f", 1, FilterPhase.Enforcing)),
                state("b", report("f", 1, FilterPhase.NotSelected)), state("c", report("g", 1, FilterPhase.Enforcing))),
                List.of(node("a", Map.of()), node("b", Map.of()), node("c", Map.of())), NOW, TIMEOUT);
        assertThat(decision.blockingNodes()).containsExactly("a");
        assertThat(decision.recheckIn()).isEmpty();
    }

    @Test
    void goneNodesAndLongNotReadyNodesDoNotBlock() {
        var decision = FilterRelease.decide("f", List.of(state("gone", report("f", 1, FilterPhase.Failed)),
                state("dead", report("f", 1, FilterPhase.Enforcing))),
                List.of(notReadySince("dead", NOW.minus(Duration.ofMinutes(6)))), NOW, TIMEOUT);
        assertThat(decision.released()).isTrue();
    }

    @Test
    void aRecentlyNotReadyNodeBlocksUntilItsTimeoutRunsOut() {
        var decision = FilterRelease.decide("f", List.of(state("sick", report("f", 1, FilterPhase.Enforcing))),
                List.of(notReadySince("sick", NOW.minus(Duration.ofMinutes(2)))), NOW, TIMEOUT);
        assertThat(decision.blockingNodes()).containsExactly("sick");
        assertThat(decision.recheckIn()).contains(Duration.ofMinutes(3));
    }
}
