package io.xdpguard.agent.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

/** The agent's command line: {@code xdpguard-agent <command>}. */
@TopCommand
@Command(name = "xdpguard-agent", mixinStandardHelpOptions = true,
        description = "The xdpguard node agent: enforces XdpFilters on this host with XDP.",
        subcommands = {TraceCommand.class, StandaloneCommand.class, CleanupCommand.class, RunCommand.class})
public class AgentCommand {
}
