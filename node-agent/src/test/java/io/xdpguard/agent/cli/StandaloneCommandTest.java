package io.xdpguard.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StandaloneCommandTest {
    @TempDir
    Path configDir;

    @Test
    void anImpossibleMapCapacityIsRefusedBeforeAnythingIsLoaded() throws Exception {
        Files.writeString(configDir.resolve("empty.yaml"), "");
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new AgentCommand());
        cli.setErr(new PrintWriter(err));

        int exit = cli.execute("standalone", "--config-dir", configDir.toString(), "--bpffs-root",
                configDir.resolve("bpffs").toString(), "--ipv4-chunks-per-slot", "70000", "--once");

        assertThat(exit).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(err.toString()).contains("error: map capacities: at most 65536 /24 chunks per slot (one per /16), not 70000");
        assertThat(configDir.resolve("bpffs")).doesNotExist();
    }

    @Test
    void aZeroCapacityIsRefusedInsteadOfTakingTheObjectsSize() throws Exception {
        Files.writeString(configDir.resolve("empty.yaml"), "");
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new AgentCommand());
        cli.setErr(new PrintWriter(err));

        int exit = cli.execute("standalone", "--config-dir", configDir.toString(), "--bpffs-root",
                configDir.resolve("bpffs").toString(), "--host-entries-per-slot", "0", "--once");

        assertThat(exit).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(err.toString()).contains("error: map capacities: host entries per slot must be at least 1, not 0");
        assertThat(configDir.resolve("bpffs")).doesNotExist();
    }

    @Test
    void nodeLabelsThatAreNotLabelsAreRefusedBeforeAnythingIsLoaded() throws Exception {
        Files.writeString(configDir.resolve("empty.yaml"), "");
        for (String[] bad : new String[][] {{"role", "node label \"role\" is not key=value"},
                {"bad key!=x", "node label: \"bad key!\" is not a valid label key"}}) {
            StringWriter err = new StringWriter();
            CommandLine cli = new CommandLine(new AgentCommand());
            cli.setErr(new PrintWriter(err));

            int exit = cli.execute("standalone", "--config-dir", configDir.toString(), "--bpffs-root",
                    configDir.resolve("bpffs").toString(), "--node-labels", bad[0], "--once");

            assertThat(exit).isEqualTo(ExitCodes.INVALID_INPUT);
            assertThat(err.toString()).contains("error: " + bad[1]);
            assertThat(configDir.resolve("bpffs")).doesNotExist();
        }
    }

    @Test
    void aNegativeIpv6BlockCapacityIsRefusedBeforeAnythingIsLoaded() throws Exception {
        Files.writeString(configDir.resolve("empty.yaml"), "");
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new AgentCommand());
        cli.setErr(new PrintWriter(err));

        int exit = cli.execute("standalone", "--config-dir", configDir.toString(), "--bpffs-root",
                configDir.resolve("bpffs").toString(), "--ipv6-blocks-per-slot", "-1", "--once");

        assertThat(exit).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(err.toString()).contains("error: map capacities: IPv6 blocks per slot must be at least 1, not -1");
        assertThat(configDir.resolve("bpffs")).doesNotExist();
    }
}
