package io.xdpguard.agent.dataplane.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.testing.Commands;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;


/**
 * Checks the hand-written struct offsets in {@link NativeStructs} against the installed headers,
 * with the C compiler's {@code offsetof}/{@code sizeof}. Needs gcc (or cc) and the libbpf
 * headers; skipped without them unless CI=true.
 */
class NativeStructsLayoutTest {

    private static final String PROGRAM = """
            #include <stdio.h>
            #include <stddef.h>
            #include <sys/vfs.h>
            #include <bpf/bpf.h>
            #include <bpf/libbpf.h>
            #include <linux/bpf.h>
            #define O(s, f) printf(#s "." #f "=%zu\\n", offsetof(struct s, f))
            #define S(s) printf(#s "=%zu\\n", sizeof(struct s))
            int main(void) {
              S(bpf_test_run_opts); O(bpf_test_run_opts, sz); O(bpf_test_run_opts, data_in);
              O(bpf_test_run_opts, data_out); O(bpf_test_run_opts, data_size_in);
              O(bpf_test_run_opts, data_size_out); O(bpf_test_run_opts, ctx_in);
              O(bpf_test_run_opts, ctx_out); O(bpf_test_run_opts, ctx_size_in);
              O(bpf_test_run_opts, ctx_size_out); O(bpf_test_run_opts, retval);
              O(bpf_test_run_opts, repeat); O(bpf_test_run_opts, duration);
              O(bpf_test_run_opts, flags); O(bpf_test_run_opts, cpu); O(bpf_test_run_opts, batch_size);
              S(bpf_map_batch_opts); O(bpf_map_batch_opts, elem_flags); O(bpf_map_batch_opts, flags);
              S(bpf_xdp_attach_opts); O(bpf_xdp_attach_opts, old_prog_fd);
              S(bpf_xdp_query_opts); O(bpf_xdp_query_opts, prog_id); O(bpf_xdp_query_opts, drv_prog_id);
              O(bpf_xdp_query_opts, hw_prog_id); O(bpf_xdp_query_opts, skb_prog_id);
              O(bpf_xdp_query_opts, attach_mode);
              O(bpf_map_info, type); O(bpf_map_info, id); O(bpf_map_info, key_size);
              O(bpf_map_info, value_size); O(bpf_map_info, max_entries); O(bpf_map_info, map_flags);
              O(bpf_map_info, name);
              O(bpf_prog_info, type); O(bpf_prog_info, id); O(bpf_prog_info, tag); O(bpf_prog_info, name);
              S(xdp_md); O(xdp_md, data); O(xdp_md, data_end); O(xdp_md, data_meta);
              O(xdp_md, ingress_ifindex); O(xdp_md, rx_queue_index); O(xdp_md, egress_ifindex);
              O(statfs, f_type);
              return 0;
            }
            """;

    @Test
    void offsetsMatchTheCCompiler() throws IOException {
        String cc = null;
        for (String candidate : List.of("gcc", "cc", "clang")) {
            if (!Commands.tryRun(List.of(candidate, "--version"), 10).startsWith("!")) {
                cc = candidate;
                break;
            }
        }
        if (cc == null || !Files.exists(Path.of("/usr/include/bpf/bpf.h"))) {
            RequiresBpf.skipOrFail("a C compiler and /usr/include/bpf/bpf.h (libbpf-dev) are needed");
        }
        Path dir = Files.createTempDirectory("xg-layout");
        try {
            Path src = dir.resolve("layout.c");
            Path exe = dir.resolve("layout");
            Files.writeString(src, PROGRAM);
            Commands.run(List.of(cc, "-o", exe.toString(), src.toString()), 60);
            Map<String, Integer> c = new HashMap<>();
            for (String line : Commands.run(List.of(exe.toString()), 10).split("\n")) {
                if (line.contains("=")) {
                    String[] kv = line.split("=");
                    c.put(kv[0].trim(), Integer.parseInt(kv[1].trim()));
                }
            }

            assertThat(c.get("bpf_test_run_opts")).isEqualTo(NativeStructs.TestRunOpts.SIZE);
            assertThat(c.get("bpf_test_run_opts.sz")).isEqualTo(NativeStructs.TestRunOpts.SZ);
            assertThat(c.get("bpf_test_run_opts.data_in")).isEqualTo(NativeStructs.TestRunOpts.DATA_IN);
            assertThat(c.get("bpf_test_run_opts.data_out")).isEqualTo(NativeStructs.TestRunOpts.DATA_OUT);
            assertThat(c.get("bpf_test_run_opts.data_size_in")).isEqualTo(NativeStructs.TestRunOpts.DATA_SIZE_IN);
            assertThat(c.get("bpf_test_run_opts.data_size_out")).isEqualTo(NativeStructs.TestRunOpts.DATA_SIZE_OUT);
            assertThat(c.get("bpf_test_run_opts.ctx_in")).isEqualTo(NativeStructs.TestRunOpts.CTX_IN);
            assertThat(c.get("bpf_test_run_opts.ctx_out")).isEqualTo(NativeStructs.TestRunOpts.CTX_OUT);
            assertThat(c.get("bpf_test_run_opts.ctx_size_in")).isEqualTo(NativeStructs.TestRunOpts.CTX_SIZE_IN);
            assertThat(c.get("bpf_test_run_opts.ctx_size_out")).isEqualTo(NativeStructs.TestRunOpts.CTX_SIZE_OUT);
            assertThat(c.get("bpf_test_run_opts.retval")).isEqualTo(NativeStructs.TestRunOpts.RETVAL);
            assertThat(c.get("bpf_test_run_opts.repeat")).isEqualTo(NativeStructs.TestRunOpts.REPEAT);
            assertThat(c.get("bpf_test_run_opts.duration")).isEqualTo(NativeStructs.TestRunOpts.DURATION);
            assertThat(c.get("bpf_test_run_opts.flags")).isEqualTo(NativeStructs.TestRunOpts.FLAGS);
            assertThat(c.get("bpf_test_run_opts.cpu")).isEqualTo(NativeStructs.TestRunOpts.CPU);
            assertThat(c.get("bpf_test_run_opts.batch_size")).isEqualTo(NativeStructs.TestRunOpts.BATCH_SIZE);

            assertThat(c.get("bpf_map_batch_opts")).isEqualTo(NativeStructs.MapBatchOpts.SIZE);
            assertThat(c.get("bpf_map_batch_opts.elem_flags")).isEqualTo(NativeStructs.MapBatchOpts.ELEM_FLAGS);
            assertThat(c.get("bpf_map_batch_opts.flags")).isEqualTo(NativeStructs.MapBatchOpts.FLAGS);

            assertThat(c.get("bpf_xdp_attach_opts")).isEqualTo(NativeStructs.XdpAttachOpts.SIZE);
            assertThat(c.get("bpf_xdp_attach_opts.old_prog_fd")).isEqualTo(NativeStructs.XdpAttachOpts.OLD_PROG_FD);

            // a newer libbpf may grow the query struct; our prefix must still match
            assertThat(c.get("bpf_xdp_query_opts")).isGreaterThanOrEqualTo(NativeStructs.XdpQueryOpts.SIZE);
            assertThat(c.get("bpf_xdp_query_opts.prog_id")).isEqualTo(NativeStructs.XdpQueryOpts.PROG_ID);
            assertThat(c.get("bpf_xdp_query_opts.drv_prog_id")).isEqualTo(NativeStructs.XdpQueryOpts.DRV_PROG_ID);
            assertThat(c.get("bpf_xdp_query_opts.hw_prog_id")).isEqualTo(NativeStructs.XdpQueryOpts.HW_PROG_ID);
            assertThat(c.get("bpf_xdp_query_opts.skb_prog_id")).isEqualTo(NativeStructs.XdpQueryOpts.SKB_PROG_ID);
            assertThat(c.get("bpf_xdp_query_opts.attach_mode")).isEqualTo(NativeStructs.XdpQueryOpts.ATTACH_MODE);

            assertThat(c.get("bpf_map_info.type")).isEqualTo(NativeStructs.MapInfo.TYPE);
            assertThat(c.get("bpf_map_info.id")).isEqualTo(NativeStructs.MapInfo.ID);
            assertThat(c.get("bpf_map_info.key_size")).isEqualTo(NativeStructs.MapInfo.KEY_SIZE);
            assertThat(c.get("bpf_map_info.value_size")).isEqualTo(NativeStructs.MapInfo.VALUE_SIZE);
            assertThat(c.get("bpf_map_info.max_entries")).isEqualTo(NativeStructs.MapInfo.MAX_ENTRIES);
            assertThat(c.get("bpf_map_info.map_flags")).isEqualTo(NativeStructs.MapInfo.MAP_FLAGS);
            assertThat(c.get("bpf_map_info.name")).isEqualTo(NativeStructs.MapInfo.NAME);
            assertThat(c.get("bpf_prog_info.type")).isEqualTo(NativeStructs.ProgInfo.TYPE);
            assertThat(c.get("bpf_prog_info.id")).isEqualTo(NativeStructs.ProgInfo.ID);
            assertThat(c.get("bpf_prog_info.tag")).isEqualTo(NativeStructs.ProgInfo.TAG);
            assertThat(c.get("bpf_prog_info.name")).isEqualTo(NativeStructs.ProgInfo.NAME);

            assertThat(c.get("xdp_md")).isEqualTo(NativeStructs.XdpMd.SIZE);
            assertThat(c.get("xdp_md.data")).isEqualTo(NativeStructs.XdpMd.DATA);
            assertThat(c.get("xdp_md.data_end")).isEqualTo(NativeStructs.XdpMd.DATA_END);
            assertThat(c.get("xdp_md.data_meta")).isEqualTo(NativeStructs.XdpMd.DATA_META);
            assertThat(c.get("xdp_md.ingress_ifindex")).isEqualTo(NativeStructs.XdpMd.INGRESS_IFINDEX);
            assertThat(c.get("xdp_md.rx_queue_index")).isEqualTo(NativeStructs.XdpMd.RX_QUEUE_INDEX);
            assertThat(c.get("xdp_md.egress_ifindex")).isEqualTo(NativeStructs.XdpMd.EGRESS_IFINDEX);
            assertThat(c.get("statfs.f_type")).as("Bpffs reads f_type at offset 0").isZero();
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
