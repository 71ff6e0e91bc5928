package io.xdpguard.e2e.apiserver;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/**
 * Every request the dev API server answered, in arrival order. Benchmarks count API writes per node from it, so it
 * records what a real API server's audit log would show: the client (User-Agent) and the outcome (status).
 */
public final class RequestLog {

    /**
     * One served request. {@code query} is the raw query string without {@code ?}, empty when there was none;
     * {@code userAgent} is empty when the client sent none.
     */
    public record RequestRecord(String method, String path, String query, String userAgent, int status) {

        /** True for the verbs that change state; a watch or a list is not a write. */
        public boolean isWrite() {
            return !method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS");
        }
    }

    private final ConcurrentLinkedQueue<RequestRecord> records = new ConcurrentLinkedQueue<>();

    void record(RequestRecord record) {
        records.add(record);
    }

    /** A snapshot: later requests do not appear in the returned list. */
    public List<RequestRecord> all() {
        return new ArrayList<>(records);
    }

    public void clear() {
        records.clear();
    }

    public long count(Predicate<RequestRecord> predicate) {
        return records.stream().filter(predicate).count();
    }
}
