package io.xdpguard.e2e.scale;

import java.util.List;

/**
 * The API server the benchmark runs against, as far as the benchmark needs it: where it is, and every request it
 * answered (counted at the server, whoever sent it). A seam so that the stand-in can give way to the dev API server.
 */
interface ApiServer extends AutoCloseable {
    String url();

    /** The requests answered since the last {@link #clearRequests()}, in order. */
    List<Request> requests();

    void clearRequests();

    /** Environment the operator needs against this server (e.g. server-side apply off when it cannot do it). */
    default java.util.Map<String, String> operatorEnvironment() {
        return java.util.Map.of();
    }

    @Override
    void close();

    /** One answered request; {@code query} without the '?', null when none. */
    record Request(String method, String path, String query, String userAgent, int status) {
        boolean isWrite() {
            return switch (method) {
                case "POST", "PUT", "PATCH", "DELETE" -> true;
                default -> false;
            };
        }
    }
}
