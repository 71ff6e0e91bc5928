package io.xdpguard.agent.dataplane.compile;

/** One entry of the xg_rules table (struct xg_rule). */
public record CompiledRule(int counterId, int action, int flags, int filterIndex, int sampleRate, long ratePps,
        long rateBurst) {
}
