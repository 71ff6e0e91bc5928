package io.xdpguard.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** `xdpguard-agent -V` says which build this is, on every command. */
class AgentCommandTest {

    @ParameterizedTest
    @ValueSource(strings = {"-V", "--version", "trace -V", "standalone --version", "cleanup -V", "run -V"})
    void versionPrintsTheProjectVersion(String args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new AgentCommand());
        cli.setOut(new PrintWriter(out));

        int exit = cli.execute(args.split(" "));

        assertThat(exit).isZero();
        // the version Maven filtered into the resource, e.g. 0.1.0-SNAPSHOT: never blank, "unknown" or "${...}"
        assertThat(out.toString().strip()).matches("xdpguard-agent \\d+\\.\\d+\\.\\d+\\S*");
    }

    @Test
    void anUnfilteredOrMissingResourceIsNoVersion() {
        assertThat(AgentVersion.fromResource(null)).isNull();
        assertThat(AgentVersion.fromResource(stream("version=${project.version}\n"))).isNull();
        assertThat(AgentVersion.fromResource(stream("version=1.2.3\n"))).isEqualTo("1.2.3");
        assertThat(AgentVersion.version()).isNotEqualTo("unknown");
    }

    @Test
    void subcommandsKeepTheirOwnHelp() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new AgentCommand());
        cli.setOut(new PrintWriter(out));

        assertThat(cli.execute("trace", "--help")).isZero();

        assertThat(out.toString()).contains("Usage: xdpguard-agent trace").contains("--packet").contains("-V, --version");
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
