package io.xdpguard.e2e.scale;

/** Which API server the benchmark runs against (the seam: the stand-in until the dev API server lands). */
final class ApiServers {
    private ApiServers() {
    }

    static ApiServer start() {
        return StandInApiServer.start("127.0.0.1", 0);
    }
}
