package io.xdpguard.agent.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.xdpguard.agent.dataplane.testing.Commands;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the agent benchmark in --quick mode (agent JVMs from this classpath) and checks only that every figure is
 * produced and plausible: a smoke test of the benchmark itself, never of the targets (see
 * docs/benchmarks/control-plane.md).
 */
@ExtendWith(RequiresBpf.class)
class AgentBenchmarkSmokeTest {

    @Test
    void quickModeProducesEveryFigure() throws Exception {
        for (String tool : List.of("ip", "nsenter", "python3", "jcmd")) {
            if (Commands.tryRun(List.of("sh", "-c", "command -v " + tool), 10).isBlank()) {
                RequiresBpf.skipOrFail(tool + " is needed by the agent benchmark");
            }
        }
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        String id = "xgab" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        new AgentBenchmark(AgentBenchmark.Config.quick(), lines::add, id).runtime("plain").run();

        Map<String, Map<String, Object>> figures = new LinkedHashMap<>();
        for (String line : lines) {
            @SuppressWarnings("unchecked")
            Map<String, Object> figure = Serialization.unmarshal(line, Map.class);
            figures.put((String) figure.get("bench"), figure);
        }
        assertThat(figures).containsKeys("machine", "agent_rss", "agent_change_latency", "agent_rss_after_changes", "restart");
        Map<String, Object> rss = figures.get("agent_rss");
        for (String key : List.of("rss_mib", "rss_after_gc_mib", "peak_rss_mib", "heap_used_after_gc_mib")) {
            assertThat(number(rss, key)).as("%s in %s", key, rss).isPositive().isFinite();
        }
        Map<String, Object> latency = figures.get("agent_change_latency");
        assertThat(number(latency, "changes")).isEqualTo(AgentBenchmark.Config.quick().changes());
        for (String key : List.of("seen_to_switch_ms", "seen_to_applied_ms", "update_to_status_ms")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> stats = (Map<String, Object>) latency.get(key);
            assertThat(number(stats, "p50")).as(key).isPositive().isFinite();
            assertThat(number(stats, "max")).as(key).isGreaterThanOrEqualTo(number(stats, "p99"));
        }
        Map<String, Object> restart = figures.get("restart");
        assertThat(number(restart, "restarts")).isEqualTo(AgentBenchmark.Config.quick().restarts());
        assertThat(number(restart, "sent_pass")).isPositive();
        assertThat(number(restart, "sent_drop")).isPositive();
        assertThat(restart).containsKeys("leaked", "lost");
    }

    private static double number(Map<String, Object> figure, String key) {
        assertThat(figure).containsKey(key);
        return ((Number) figure.get(key)).doubleValue();
    }
}
