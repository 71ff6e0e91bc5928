package io.xdpguard.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.xdpguard.agent.dataplane.kernel.MapCapacities;
import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The agent's xdpguard.agent.dataplane.* settings become the classifier's map capacities: by default exactly
 * {@link MapCapacities#DEFAULT} (so an agent upgraded without setting them keeps its pinned maps), and the environment
 * variables the operator sets override them.
 */
class DataplaneCapacitiesConfigTest {

    @Test
    void defaultsAreTheDataplanesDefaultCapacities() throws IOException {
        assertThat(DataplaneProducer.capacities(config(Map.of()).dataplane())).isEqualTo(MapCapacities.DEFAULT);
    }

    @Test
    void environmentVariablesSetTheCapacitiesPerSlot() throws IOException {
        AgentConfig config = config(Map.of("XDPGUARD_AGENT_DATAPLANE_HOST_ENTRIES_PER_SLOT", "1048576",
                "XDPGUARD_AGENT_DATAPLANE_LPM_ENTRIES_PER_SLOT", "2000000",
                "XDPGUARD_AGENT_DATAPLANE_IPV4_CHUNKS_PER_SLOT", "65536",
                "XDPGUARD_AGENT_DATAPLANE_IPV6_BLOCKS_PER_SLOT", "262144"));
        assertThat(DataplaneProducer.capacities(config.dataplane()))
                .isEqualTo(new MapCapacities(2 * 1_048_576, 2 * 2_000_000, 2 * 2_000_000, 65_536, 2 * 262_144));
    }

    /** application.properties with {@code env} over it, as Quarkus reads them. */
    private static AgentConfig config(Map<String, String> env) throws IOException {
        URL properties = DataplaneCapacitiesConfigTest.class.getResource("/application.properties");
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, 250))
                .withSources(new EnvConfigSource(env, 300))
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(AgentConfig.class)
                .build();
        return config.getConfigMapping(AgentConfig.class);
    }
}
