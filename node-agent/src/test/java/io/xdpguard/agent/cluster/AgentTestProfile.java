package io.xdpguard.agent.cluster;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The one Quarkus test profile of the cluster tests: a node name and fast timers. */
public class AgentTestProfile implements QuarkusTestProfile {
    static final String NODE = "node-q";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("xdpguard.agent.node-name", NODE, "xdpguard.agent.debounce", "20ms",
                "xdpguard.agent.failsafe.enabled", "false", "xdpguard.agent.samples.buffer-size", "3");
    }
}
