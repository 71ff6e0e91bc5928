package io.xdpguard.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `xdpguard-agent trace` tells a user, before rollout, what the kernel does with given packets. */
class TraceCommandTest {
    private static final Path EXAMPLES = Path.of("../examples");

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TraceCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    @ExtendWith(RequiresBpf.class)
    void printsTheKernelVerdictAndWinningRuleForEachPacket() {
        Run run = run("--filter", EXAMPLES.resolve("block-cidrs.yaml").toString(),
                "--filter", EXAMPLES.resolve("ratelimit-dns.yaml").toString(),
                "--filter", EXAMPLES.resolve("allowlist-ssh-https.yaml").toString(), "--interface-name", "eth0",
                "--packet", PacketBuilder.udp4("192.0.2.10", 3333, "10.9.9.9", 53).toHex(),
                "--packet", PacketBuilder.udp4("203.0.113.5", 3333, "10.9.9.9", 53).vlan(42).toHex(),
                "--packet", PacketBuilder.tcp4("203.0.113.5", 40000, "10.9.9.9", 22).toHex(),
                "--packet", PacketBuilder.tcp4("203.0.113.5", 40000, "10.9.9.9", 8080).toHex(),
                "--packet", PacketBuilder.udp4("203.0.113.5", 3333, "10.9.9.9", 53).truncate(30).toHex(),
                "--packet", PacketBuilder.ethernet().arp("10.9.9.1", "10.9.9.9").toHex(),
                "--packet", "icmp6 [2001:db8::1] [2001:db8::2] 128",
                "--packet", "udp [2001:db8:bad::7]:1000 [2001:db8::2]:53");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out().lines().toList()).satisfiesExactly(
                l -> assertThat(l).startsWith("verdict=DROP reason=rule_drop filter=block-abusers rule=known-bad parsed=ip "
                        + "src=192.0.2.10 dst=10.9.9.9 proto=17 sport=3333 dport=53"),
                l -> assertThat(l).startsWith("verdict=PASS reason=rate_limit_pass filter=dns-ratelimit rule=dns-per-source "
                        + "parsed=ip vlans=42 "),
                l -> assertThat(l).startsWith("verdict=PASS reason=failsafe_pass filter=failsafe rule=tcp-ports "),
                l -> assertThat(l).startsWith("verdict=DROP reason=default_drop filter=- rule=- "),
                l -> assertThat(l).startsWith("verdict=PASS reason=malformed filter=- rule=- parsed=malformed why="),
                l -> assertThat(l).startsWith("verdict=PASS reason=non_ip filter=- rule=- parsed=non_ip"),
                l -> assertThat(l).startsWith("verdict=PASS reason=rule_pass filter=edge-allowlist rule=icmpv6-errors-and-echo"),
                l -> assertThat(l).startsWith("verdict=DROP reason=rule_drop filter=block-abusers rule=known-bad "
                        + "parsed=ip src=2001:db8:bad::7 dst=2001:db8::2 proto=17 sport=1000 dport=53"));
    }

    @Test
    @ExtendWith(RequiresBpf.class)
    void anAuditRuleIsShownBesideTheVerdictItDoesNotDecide() {
        Run run = run("--filter", EXAMPLES.resolve("audit-mode.yaml").toString(),
                "--filter", EXAMPLES.resolve("allowlist-ssh-https.yaml").toString(), "--interface-name", "eth0",
                "--packet", PacketBuilder.tcp4("203.0.113.5", 40000, "10.9.9.9", 445).toHex());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out().lines().toList()).singleElement().satisfies(l -> assertThat(l).startsWith(
                "verdict=DROP reason=default_drop filter=- rule=- audit=audit-telnet-smb/smb audit_would_drop parsed=ip "));
    }

    @Test
    @ExtendWith(RequiresBpf.class)
    void jsonAndPcapInput() throws IOException {
        Path pcap = pcap(PacketBuilder.udp4("198.51.100.7", 1, "10.0.0.1", 9).build(),
                PacketBuilder.udp6("2001:db8:bad::1", 1, "2001:db8::2", 9).build());

        Run run = run("--filter", EXAMPLES.resolve("block-cidrs.yaml").toString(), "--packet", pcap.toString(), "--json");

        assertThat(run.exit()).as(run.err()).isZero();
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : run.out().lines().toList()) {
            lines.add(json.readTree(line));
        }
        assertThat(lines).hasSize(2).allSatisfy(l -> {
            assertThat(l.path("verdict").asText()).isEqualTo("DROP");
            assertThat(l.path("rule").asText()).isEqualTo("known-bad");
        });
        assertThat(lines.get(1).path("src").asText()).isEqualTo("2001:db8:bad::1");
    }

    @Test
    void invalidFilterExitsTwoNamingTheFieldAndRunsNothing() throws IOException {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpFilter
                metadata: {name: bad}
                spec:
                  interfaces: {include: [eth0]}
                  rules:
                    - {name: r, action: Drop, protocol: TCP, ports: ["70000"]}
                """);

        Run run = run("--filter", bad.toString(), "--packet", "00");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains(bad + ": XdpFilter \"bad\": spec.rules[0].ports[0]: \"70000\" is not a port (1-65535)");
    }

    @Test
    void unknownFieldAndBadPacketAreInvalidInput() throws IOException {
        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, """
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpFilter
                metadata: {name: typo}
                spec:
                  interfaces: {include: [eth0]}
                  rules:
                    - {name: r, action: Drop, soruces: [10.0.0.0/8]}
                """);
        assertThat(run("--filter", typo.toString(), "--packet", "00")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("typo.yaml").contains("soruces");
        });
        assertThat(run("--filter", EXAMPLES.resolve("audit-mode.yaml").toString(), "--packet", "zz-not-hex"))
                .satisfies(r -> {
                    assertThat(r.exit()).isEqualTo(2);
                    assertThat(r.err()).contains("--packet \"zz-not-hex\" is neither a file nor hex");
                });
        assertThat(run("--filter", EXAMPLES.resolve("audit-mode.yaml").toString(), "--packet", "udp 10.0.0.1 10.0.0.2:53"))
                .satisfies(r -> {
                    assertThat(r.exit()).isEqualTo(2);
                    assertThat(r.err()).contains("\"10.0.0.1\" needs a port");
                });
        assertThat(run("--filter", EXAMPLES.resolve("audit-mode.yaml").toString(), "--packet", "udp example.com:1 10.0.0.2:53"))
                .satisfies(r -> {
                    assertThat(r.exit()).isEqualTo(2);
                    assertThat(r.err()).contains("not an IP address: example.com");
                });
        assertThat(run("--filter", EXAMPLES.resolve("audit-mode.yaml").toString(), "--packet", "udp [::ffff:10.0.0.1]:1 10.0.0.2:53"))
                .satisfies(r -> {
                    assertThat(r.exit()).as("an IPv4-mapped IPv6 source stays IPv6").isEqualTo(2);
                    assertThat(r.err()).contains("source and destination of different families");
                });
        assertThat(run("--filter", EXAMPLES.resolve("audit-mode.yaml").toString(), "--packet", "0102"))
                .satisfies(r -> assertThat(r.err()).contains("shorter than an Ethernet header"));
    }

    @Test
    @ExtendWith(RequiresBpf.class)
    void filtersTheInterfaceDoesNotSelectAndFilesWithoutFiltersAreNamedOnStderr() throws IOException {
        Path setOnly = dir.resolve("set-only.yaml");
        Files.writeString(setOnly, """
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpCidrSet
                metadata: {name: bad-ranges}
                spec: {cidrs: [192.0.2.0/24]}
                """);
        Path allowlist = EXAMPLES.resolve("allowlist-ssh-https.yaml");

        Run run = run("--filter", EXAMPLES.resolve("block-cidrs.yaml").toString(), "--filter", allowlist.toString(),
                "--filter", setOnly.toString(), "--interface-name", "eth1", "--packet", "udp 192.0.2.10:1 10.0.0.1:53");

        assertThat(run.exit()).as("still a valid answer").isZero();
        assertThat(run.out()).startsWith("verdict=DROP reason=rule_drop filter=block-abusers ");
        assertThat(run.err().lines().toList()).containsExactly("warning: no XdpFilter in " + setOnly,
                "warning: " + allowlist + ": XdpFilter \"edge-allowlist\" skipped: its interfaces do not select \"eth1\"");

        Run none = run("--filter", allowlist.toString(), "--interface-name", "wlan0", "--packet", "udp 192.0.2.10:1 10.0.0.1:53");
        assertThat(none.exit()).isZero();
        assertThat(none.out()).startsWith("verdict=PASS reason=default_pass ");
        assertThat(none.err()).contains("XdpFilter \"edge-allowlist\" skipped: its interfaces do not select \"wlan0\"");

        assertThat(run("--filter", allowlist.toString(), "--interface-name", "eth0", "--packet", "udp 192.0.2.10:1 10.0.0.1:53")
                .err()).as("no warning when every filter is used").isEmpty();
    }

    @Test
    void aFilterNameDefinedInTwoFilesIsRejectedNamingBoth() throws IOException {
        Path copy = dir.resolve("copy.yaml");
        Path block = EXAMPLES.resolve("block-cidrs.yaml");
        Files.copy(block, copy);

        Run run = run("--filter", block.toString(), "--filter", copy.toString(), "--packet", "udp 192.0.2.10:1 10.0.0.1:53");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("error: " + copy + ": XdpFilter \"block-abusers\" is already defined in " + block);

        Path twice = dir.resolve("twice.yaml");
        Files.writeString(twice, Files.readString(block) + "\n---\n" + Files.readString(block));
        assertThat(run("--filter", twice.toString(), "--packet", "00").err())
                .contains(twice + " (document 2): XdpFilter \"block-abusers\" is already defined in " + twice + " (document 1)");
    }

    @Test
    void missingFilesAreSaidToBeMissing() {
        Path nope = dir.resolve("nope.yaml");
        assertThat(run("--filter", nope.toString(), "--packet", "00")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("error: " + nope + ": no such file").doesNotContain("YAML");
        });
        String filter = EXAMPLES.resolve("block-cidrs.yaml").toString();
        assertThat(run("--filter", filter, "--packet", "/tmp/nope-xdpguard.pcap")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("--packet: no such file: /tmp/nope-xdpguard.pcap").doesNotContain("hex");
        });
        assertThat(run("--filter", filter, "--packet", "capture.pcap").err()).contains("--packet: no such file: capture.pcap");
        assertThat(run("--filter", filter, "--packet", dir.toString()).err()).contains("--packet: not a regular file: " + dir);
    }

    private Path pcap(byte[]... frames) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(24 + 16 * frames.length + 4096).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        for (byte[] frame : frames) {
            b.putInt(0).putInt(0).putInt(frame.length).putInt(frame.length).put(frame);
        }
        Path file = dir.resolve("packets.pcap");
        Files.write(file, java.util.Arrays.copyOf(b.array(), b.position()));
        return file;
    }
}
