package io.xdpguard.agent.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * What {@code -V}/{@code --version} prints: the project version, from a resource Maven filters at build time
 * ({@code version.properties} beside this class), else the jar manifest's Implementation-Version, else "unknown".
 */
public final class AgentVersion implements IVersionProvider {
    static final String RESOURCE = "version.properties";

    @Override
    public String[] getVersion() {
        return new String[] {"xdpguard-agent " + version()};
    }

    static String version() {
        String version = fromResource(AgentVersion.class.getResourceAsStream(RESOURCE));
        if (version == null) {
            version = AgentVersion.class.getPackage() == null ? null
                    : usable(AgentVersion.class.getPackage().getImplementationVersion());
        }
        return version == null ? "unknown" : version;
    }

    /** The {@code version} of a properties stream; null if absent, unreadable or not filtered. */
    static String fromResource(InputStream resource) {
        if (resource == null) {
            return null;
        }
        Properties properties = new Properties();
        try (resource) {
            properties.load(resource);
        } catch (IOException e) {
            return null;
        }
        return usable(properties.getProperty("version"));
    }

    private static String usable(String version) {
        return version == null || version.isBlank() || version.contains("${") ? null : version.strip();
    }
}
