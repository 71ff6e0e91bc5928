package io.xdpguard.agent.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/**
 * The agent's command line: {@code xdpguard-agent <command>}. The version provider is inherited (scope INHERIT), so
 * {@code xdpguard-agent trace --version} prints the version too.
 */
@TopCommand
@Command(name = "xdpguard-agent", mixinStandardHelpOptions = true, versionProvider = AgentVersion.class,
        scope = ScopeType.INHERIT,
        description = "The xdpguard node agent: enforces XdpFilters on this host with XDP.",
        subcommands = {TraceCommand.class, StandaloneCommand.class, CleanupCommand.class, RunCommand.class})
public class AgentCommand {
}
