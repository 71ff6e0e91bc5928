package io.xdpguard.e2e.scale;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.xdpguard.e2e.cluster.Binaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scale benchmark with 5 nodes: the real operator jar (built by the reactor before this module) and 5 simulated
 * agents converge, and every change costs at most 3 writes per node. The full run is scripts/bench-control-plane.sh.
 */
class ControlPlaneBenchmarkSmokeTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void fiveNodesGetReadyWithinTheWriteBudget() throws Exception {
        ControlPlaneBenchmark bench = new ControlPlaneBenchmark(Binaries.ofCheckout(),
                Path.of("target/bench-control-plane"), Duration.ofSeconds(60), figure -> { });

        List<Map<String, Object>> figures = bench.run(5);

        assertThat(figures).extracting(f -> f.get("phase")).containsExactly("startup", "apply", "rule_change");
        for (Map<String, Object> f : figures.subList(1, 3)) {
            assertThat((long) f.get("ms_to_ready")).as("%s: Ready (all nodes enforcing) in time", f.get("phase"))
                    .isLessThan(30_000);
            assertThat((double) f.get("writes_per_node")).as("%s: writes per node", f.get("phase")).isLessThanOrEqualTo(3.0);
            assertThat(f.get("agent_writes")).as("%s: one node-state write per node", f.get("phase"))
                    .isEqualTo(Map.of("xdpnodestates/status", 5));
        }
    }
}
