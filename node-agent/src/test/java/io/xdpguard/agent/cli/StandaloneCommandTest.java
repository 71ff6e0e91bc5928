package io.xdpguard.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StandaloneCommandTest {
    @TempDir
    Path configDir;

    @Test
    void anImpossibleMapCapacityIsRefusedBeforeAnythingIsLoaded() throws Exception {
        assertRefused("error: map capacities: at most 65536 /24 chunks per slot (one per /16), not 70000",
                "--ipv4-chunks-per-slot", "70000");
    }

    @Test
    void aZeroCapacityIsRefusedInsteadOfTakingTheObjectsSize() throws Exception {
        assertRefused("error: map capacities: host entries per slot must be at least 1, not 0",
                "--host-entries-per-slot", "0");
    }

    @Test
    void aNegativeIpv6BlockCapacityIsRefusedBeforeAnythingIsLoaded() throws Exception {
        assertRefused("error: map capacities: IPv6 blocks per slot must be at least 1, not -1",
                "--ipv6-blocks-per-slot", "-1");
    }

    @Test
    void nodeLabelsThatAreNotLabelsAreRefusedBeforeAnythingIsLoaded() throws Exception {
        assertRefused("error: node label \"role\" is not key=value", "--node-labels", "role");
        assertRefused("error: node label: \"bad key!\" is not a valid label key", "--node-labels", "bad key!=x");
    }

    /** standalone --once with {@code options} exits 2 with {@code message} before anything is loaded or mounted. */
    private void assertRefused(String message, String... options) throws Exception {
        Files.writeString(configDir.resolve("empty.yaml"), "");
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new AgentCommand());
        cli.setErr(new PrintWriter(err));
        List<String> args = new ArrayList<>(List.of("standalone", "--config-dir", configDir.toString(), "--bpffs-root",
                configDir.resolve("bpffs").toString(), "--once"));
        args.addAll(List.of(options));

        assertThat(cli.execute(args.toArray(String[]::new))).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(err.toString()).contains(message);
        assertThat(configDir.resolve("bpffs")).doesNotExist();
    }
}
