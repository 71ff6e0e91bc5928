package io.xdpguard.e2e.scale;

import io.xdpguard.e2e.apiserver.RequestLog;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The requests of one phase as the API server answered them, by who sent them: the simulated agents (user agent
 * {@code xdpguard-agent/<node>}) or the operator (every other user agent but the benchmark's own, which is left out).
 * Writes are POST, PUT, PATCH and DELETE, keyed by resource ({@code xdpnodestates/status}, {@code xdpfilters}, ...).
 * Lease renewals of the operator's leader election are time-driven, not change-driven: counted, but kept apart.
 */
record RequestCounts(int agentRequests, int operatorRequests, int agentWatches, int operatorWatches,
        Map<String, Integer> agentWrites, Map<String, Integer> operatorWrites, int leaseWrites, int errors) {

    static final String LEASES = "leases";

    static RequestCounts of(List<RequestLog.RequestRecord> requests, String ownUserAgent) {
        int agentRequests = 0;
        int operatorRequests = 0;
        int agentWatches = 0;
        int operatorWatches = 0;
        int leaseWrites = 0;
        int errors = 0;
        Map<String, Integer> agentWrites = new TreeMap<>();
        Map<String, Integer> operatorWrites = new TreeMap<>();
        for (RequestLog.RequestRecord r : requests) {
            String ua = r.userAgent() == null ? "" : r.userAgent();
            if (ua.equals(ownUserAgent)) {
                continue;
            }
            boolean agent = ua.startsWith(SimulatedAgents.USER_AGENT_PREFIX);
            boolean watch = r.query().contains("watch=true");
            if (agent) {
                agentRequests++;
                agentWatches += watch ? 1 : 0;
            } else {
                operatorRequests++;
                operatorWatches += watch ? 1 : 0;
            }
            if (r.status() >= 400) {
                errors++;
            }
            if (!r.isWrite()) {
                continue;
            }
            String resource = resource(r.path());
            if (!agent && resource.equals(LEASES)) {
                leaseWrites++;
            } else {
                (agent ? agentWrites : operatorWrites).merge(resource, 1, Integer::sum);
            }
        }
        return new RequestCounts(agentRequests, operatorRequests, agentWatches, operatorWatches, agentWrites, operatorWrites,
                leaseWrites, errors);
    }

    /** {@code /apis/g/v/[namespaces/ns/]plural[/name[/sub]]} or {@code /api/v1/...} → plural[/sub]. */
    static String resource(String path) {
        String[] parts = path.replaceAll("^/+", "").split("/");
        int i = parts.length > 0 && parts[0].equals("api") ? 2 : 3;
        if (parts.length > i + 1 && parts[i].equals("namespaces")) {
            i += 2;
        }
        if (i >= parts.length) {
            return path;
        }
        return parts.length > i + 2 ? parts[i] + "/" + parts[i + 2] : parts[i];
    }

    int agentWriteTotal() {
        return agentWrites.values().stream().mapToInt(Integer::intValue).sum();
    }

    int operatorWriteTotal() {
        return operatorWrites.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Writes caused by the change: everything but lease renewals. */
    int changeWrites() {
        return agentWriteTotal() + operatorWriteTotal();
    }
}
