package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.compile.Abi;
import io.xdpguard.agent.dataplane.libbpf.BpfMapSpec;
import io.xdpguard.agent.dataplane.libbpf.BpfObjectFile;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Java encoders (ClassifierMaps, Abi) and the C ABI header agree: struct sizes and field offsets read from the
 * object's BTF, and map key/value sizes and capacities read from the object itself.
 */
class AbiLayoutTest {
    private static final Pattern STRUCT = Pattern.compile("^\\[\\d+] STRUCT '(\\w+)' size=(\\d+) vlen=(\\d+)$");
    private static final Pattern MEMBER = Pattern.compile("^\\s+'(\\w+)' type_id=\\d+ bits_offset=(\\d+)$");

    /** Byte offsets the Java encoders write each field at, in their order. */
    private static final Map<String, Map<String, Integer>> JAVA_LAYOUT = Map.ofEntries(
            Map.entry("xg_active", ordered("slot", 0, "generation", 4)),
            Map.entry("xg_slot_config", ordered("rule_count", 0, "dims_used", 4, "default_action", 8, "default_vec", 12,
                    "catch_all", 28, "dir6_miss", 32, "dir6_miss_upto", 40, "dir6_mult", 48, "dir6_bucket_bits", 80,
                    "enforced_vec", 84, "catch_all_enforced", 88, "memo_epoch", 92)),
            Map.entry("xg_vec_hdr", ordered("summary", 0, "cand", 16, "words_base", 32, "decides", 40, "pad", 44)),
            Map.entry("xg_rule", ordered("counter_id", 0, "action", 4, "flags", 5, "filter_index", 6, "sample_rate", 8,
                    "rate_pps", 12, "rate_burst", 16, "pad", 20)),
            Map.entry("xg_rule_stats", ordered("packets", 0, "bytes", 8, "rate_limited", 16)),
            Map.entry("xg_counter", ordered("packets", 0, "bytes", 8)),
            Map.entry("xg_lpm4_key", ordered("prefixlen", 0, "slot", 4, "addr", 8)),
            Map.entry("xg_lpm6_key", ordered("prefixlen", 0, "slot", 4, "addr", 8)),
            Map.entry("xg_host_key", ordered("slot", 0, "addr", 4)),
            Map.entry("xg_l4_entry", ordered("vec", 0, "vec_sport_default", 4)),
            Map.entry("xg_dir6_way", ordered("key", 0, "entry", 8, "miss", 12)),
            Map.entry("xg_dir6_bucket", ordered("way", 0)),
            Map.entry("xg_memo_entry", ordered("key", 0, "third", 8, "bit", 12)));

    private static final Map<String, Integer> JAVA_SIZES = Map.ofEntries(
            Map.entry("xg_slot_config", ClassifierMaps.SLOT_CONFIG_SIZE), Map.entry("xg_vec_hdr", ClassifierMaps.VEC_HDR_SIZE),
            Map.entry("xg_rule", ClassifierMaps.RULE_SIZE), Map.entry("xg_rule_stats", ClassifierMaps.RULE_STATS_SIZE),
            Map.entry("xg_counter", ClassifierMaps.COUNTER_SIZE), Map.entry("xg_lpm4_key", ClassifierMaps.LPM4_KEY_SIZE),
            Map.entry("xg_lpm6_key", ClassifierMaps.LPM6_KEY_SIZE), Map.entry("xg_host_key", ClassifierMaps.HOST_KEY_SIZE),
            Map.entry("xg_active", 8), Map.entry("xg_dir24_chunk", ClassifierMaps.DIR24_CHUNK_SIZE),
            Map.entry("xg_l4_entry", ClassifierMaps.L4_ENTRY_SIZE), Map.entry("xg_dir6_way", ClassifierMaps.DIR6_WAY_SIZE),
            Map.entry("xg_dir6_bucket", ClassifierMaps.DIR6_BUCKET_SIZE), Map.entry("xg_memo_entry", SearchMemoTest.ENTRY_SIZE));

    @Test
    void structLayoutsInTheObjectsBtfMatchTheJavaEncoders() throws Exception {
        Path object = extractObject();
        Process bpftool = new ProcessBuilder("bpftool", "btf", "dump", "file", object.toString(), "format", "raw")
                .redirectErrorStream(true).start();
        String dump = new String(bpftool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bpftool.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(bpftool.exitValue()).as(dump).isZero();

        Map<String, Integer> sizes = new HashMap<>();
        Map<String, Map<String, Integer>> offsets = new HashMap<>();
        String current = null;
        for (String line : dump.split("\n")) {
            Matcher struct = STRUCT.matcher(line);
            Matcher member = MEMBER.matcher(line);
            if (struct.matches()) {
                current = struct.group(1);
                sizes.put(current, Integer.parseInt(struct.group(2)));
                offsets.put(current, new LinkedHashMap<>());
            } else if (member.matches() && current != null) {
                offsets.get(current).put(member.group(1), Integer.parseInt(member.group(2)) / 8);
            } else if (!line.startsWith("\t")) {
                current = null;
            }
        }
        JAVA_SIZES.forEach((name, size) -> assertThat(sizes.get(name)).as("sizeof(struct %s)", name).isEqualTo(size));
        JAVA_LAYOUT.forEach((name, fields) -> assertThat(offsets.get(name)).as("fields of struct %s", name)
                .containsExactlyEntriesOf(fields));
    }

    @Test
    void mapShapesMatchTheJavaConstants() throws Exception {
        RequiresBpf.require();
        try (BpfObjectFile object = BpfObjectFile.openResource(Classifier.OBJECT_RESOURCE)) {
            assertMap(object, "xg_rules", 4, ClassifierMaps.RULE_SIZE, Abi.SLOTS * Abi.MAX_RULES);
            assertMap(object, "xg_vec_hdr", 4, ClassifierMaps.VEC_HDR_SIZE, Abi.SLOTS * Abi.MAX_VECTORS);
            assertMap(object, "xg_vec_words", 4, 8, Abi.SLOTS * Abi.MAX_WORDS);
            assertMap(object, "xg_l4", 4, ClassifierMaps.L4_ENTRY_SIZE, Abi.SLOTS * Abi.L4_ENTRIES);
            assertMap(object, "xg_sport", 4, 4, Abi.SLOTS * Abi.SPORT_ENTRIES);
            assertMap(object, "xg_src4_dir", 4, 4, Abi.SLOTS * Abi.DIR4_ENTRIES);
            assertMap(object, "xg_dst4_dir", 4, 4, Abi.SLOTS * Abi.DIR4_ENTRIES);
            assertMap(object, "xg_src4_dir24", 4, ClassifierMaps.DIR24_CHUNK_SIZE, Abi.SLOTS * Abi.DIR24_CHUNKS);
            assertMap(object, "xg_dst4_dir24", 4, ClassifierMaps.DIR24_CHUNK_SIZE, Abi.SLOTS * Abi.DIR24_CHUNKS);
            assertMap(object, "xg_src6_dir", 4, ClassifierMaps.DIR6_BUCKET_SIZE, Abi.SLOTS * Abi.DIR6_BUCKETS);
            assertMap(object, "xg_dst6_dir", 4, ClassifierMaps.DIR6_BUCKET_SIZE, Abi.SLOTS * Abi.DIR6_BUCKETS);
            // the chunks-per-slot constant MapCapacities sets: one __u32, alone in its section
            assertMap(object, MapCapacities.DIR24_CHUNKS_SECTION, 4, 4, 1);
            assertMap(object, "xg_rule_stats", 4, ClassifierMaps.RULE_STATS_SIZE, Abi.MAX_COUNTERS);
            assertMap(object, "xg_slot_config", 4, ClassifierMaps.SLOT_CONFIG_SIZE, Abi.SLOTS);
            assertMap(object, "xg_memo", 4, SearchMemoTest.ENTRY_SIZE, SearchMemoTest.ENTRIES);
            assertThat(object.mapSpec("xg_src4").keySize()).isEqualTo(ClassifierMaps.LPM4_KEY_SIZE);
            assertThat(object.mapSpec("xg_src6").keySize()).isEqualTo(ClassifierMaps.LPM6_KEY_SIZE);
            assertThat(object.mapSpec("xg_src_host").keySize()).isEqualTo(ClassifierMaps.HOST_KEY_SIZE);
            assertThat(object.mapSpec("xg_stats").maxEntries()).isEqualTo(io.xdpguard.agent.dataplane.Reason.values().length);
        }
    }

    /** #define constants are not in BTF: they are read from the header itself, when the source tree is at hand. */
    @Test
    void constantsOfTheAbiHeaderMatchTheJavaOnes() throws IOException {
        Path header = Path.of("..", "bpf", "include", "xdpguard_abi.h");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(header), "source tree not at " + header.toAbsolutePath());
        Map<String, Long> defines = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^#define (XG_\\w+) +(0x[0-9a-fA-F]+|\\d+)u?\\b").matcher(Files.readString(header));
        while (m.find()) {
            defines.put(m.group(1), Long.decode(m.group(2)));
        }
        Map<String, Long> java = new LinkedHashMap<>();
        java.put("XG_ABI_VERSION", (long) ClassifierMaps.ABI_VERSION);
        java.put("XG_SLOTS", (long) Abi.SLOTS);
        java.put("XG_MAX_RULES", (long) Abi.MAX_RULES);
        java.put("XG_MAX_VECTORS", (long) Abi.MAX_VECTORS);
        java.put("XG_MAX_WORDS", (long) Abi.MAX_WORDS);
        java.put("XG_MAX_COUNTERS", (long) Abi.MAX_COUNTERS);
        java.put("XG_FRAGMENT_IPV6_OFFSET", (long) Abi.FRAGMENT_IPV6_OFFSET);
        java.put("XG_HOSTS_INSIDE", Integer.toUnsignedLong(Abi.HOSTS_INSIDE));
        java.put("XG_HOST_KEY_IPV6", Integer.toUnsignedLong(Abi.HOST_KEY_IPV6));
        java.put("XG_DIR4_ENTRIES", (long) Abi.DIR4_ENTRIES);
        java.put("XG_DIR24_CHUNKS", (long) Abi.DIR24_CHUNKS);
        java.put("XG_DIR24_MAX_CHUNKS", (long) Abi.DIR24_MAX_CHUNKS);
        java.put("XG_DIR_FINAL", Integer.toUnsignedLong(Abi.DIR_FINAL));
        java.put("XG_DIR_CHUNK", Integer.toUnsignedLong(Abi.DIR_CHUNK));
        java.put("XG_DIR_NEXT", Integer.toUnsignedLong(Abi.DIR_NEXT));
        java.put("XG_DIR6_WAYS", (long) Abi.DIR6_WAYS);
        java.put("XG_DIR6_BUCKETS", (long) Abi.DIR6_BUCKETS);
        java.put("XG_MEMO_BITS", (long) SearchMemoTest.BITS);
        java.put("XG_DIR6_MAX_BUCKET_BITS", (long) Abi.DIR6_MAX_BUCKET_BITS);
        java.put("XG_VEC_MASK", Integer.toUnsignedLong(Abi.VEC_MASK));
        java.put("XG_DIR_DEEPER", (long) Abi.DIR_DEEPER);
        java.forEach((name, value) -> assertThat(defines.get(name)).as(name).isEqualTo(value));
    }

    private static void assertMap(BpfObjectFile object, String name, int keySize, int valueSize, int maxEntries) {
        BpfMapSpec spec = object.mapSpec(name);
        assertThat(new int[] {spec.keySize(), spec.valueSize(), spec.maxEntries()}).as("key/value size, max entries of %s", name)
                .containsExactly(keySize, valueSize, maxEntries);
    }

    private static Path extractObject() throws IOException {
        Path file = Files.createTempFile("xdpguard-abi", ".bpf.o");
        file.toFile().deleteOnExit();
        try (InputStream in = AbiLayoutTest.class.getResourceAsStream(Classifier.OBJECT_RESOURCE)) {
            assertThat(in).as("classifier object on the classpath").isNotNull();
            Files.write(file, in.readAllBytes());
        }
        return file;
    }

    private static Map<String, Integer> ordered(Object... pairs) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put((String) pairs[i], (Integer) pairs[i + 1]);
        }
        return out;
    }
}
