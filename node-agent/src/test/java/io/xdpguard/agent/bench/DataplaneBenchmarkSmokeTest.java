package io.xdpguard.agent.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the dataplane benchmark in --quick mode and checks only that every figure is produced and sane (positive,
 * finite): a smoke test of the benchmark itself, never of timing targets (see docs/benchmarks/dataplane.md).
 */
@ExtendWith(RequiresBpf.class)
class DataplaneBenchmarkSmokeTest {

    @Test
    void quickModeProducesEveryFigure() throws Exception {
        for (String tool : List.of("xdp-filter", "clang", "ip", "bpftool", "nsenter")) {
            if (DataplaneBenchmark.shOut("command -v " + tool).isBlank()) {
                RequiresBpf.skipOrFail(tool + " is needed by the dataplane benchmark");
            }
        }
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        String id = "xgb" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        new DataplaneBenchmark(DataplaneBenchmark.Config.quick(), lines::add, id).run();

        Set<String> figures = new HashSet<>();
        for (String line : lines) {
            @SuppressWarnings("unchecked")
            Map<String, Object> figure = Serialization.unmarshal(line, Map.class);
            String bench = (String) figure.get("bench");
            figures.add(bench + "/" + figure.getOrDefault("program", "-"));
            for (String key : List.of("ns_per_packet", "mpps", "ms", "ratio_vs_xdp_filter", "ratio_vs_xdp_pass",
                    "ratio_vs_xdp_drop", "map_memlock_bytes")) {
                if (figure.containsKey(key)) {
                    double v = ((Number) figure.get(key)).doubleValue();
                    assertThat(v).as("%s in %s", key, line).isPositive().isFinite();
                }
            }
            if (figure.get("runs") instanceof List<?> runs) {
                assertThat(runs).as(line).isNotEmpty();
                for (Object run : runs) {
                    assertThat(((Number) run).doubleValue()).as(line).isPositive().isFinite();
                }
            }
        }
        assertThat(figures).contains("machine/-", "test_run/xdpguard", "test_run/xdpguard_memo_miss", "test_run/xdp-filter",
                "test_run/xdp_pass",
                "drop_throughput/xdpguard", "drop_throughput/xdp_drop", "drop_throughput/xdp-filter", "load_cidrs/-",
                "apply_one_rule_change/-");
        assertThat(Path.of("/sys/fs/bpf/xdp-filter")).as("xdp-filter unloaded, its pins gone").doesNotExist();
        // quick: 2 rule counts x 2 CIDR counts x 2 packets x 4 programs
        assertThat(lines.stream().filter(l -> l.contains("\"test_run\""))).hasSize(32);
        assertThat(lines.stream().filter(l -> l.contains("\"program\":\"xdpguard\"")))
                .allMatch(l -> l.contains("\"capacities\":\"default\"")).filteredOn(l -> l.contains("\"test_run\""))
                .allMatch(l -> l.contains("\"map_memlock_bytes\":"));
    }
}
