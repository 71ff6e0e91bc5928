package io.xdpguard.agent.cluster;

import io.xdpguard.agent.dataplane.InterfaceReport;
import io.xdpguard.agent.dataplane.kernel.DropSample;
import io.xdpguard.agent.dataplane.packet.AddressText;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The last N sampled drops, newest first on query, and a structured log line per sample at a bounded rate
 * (samples over the rate are counted, not logged). Fed by a {@code DropSampleSource} on its own thread.
 */
public final class DropSamples implements Consumer<DropSample> {
    /** One sample as served over HTTP: names resolved, addresses as text ({@link AddressText}). */
    public record View(long timestampNs, String interfaceName, int ifindex, String filter, String rule, String reason,
            int family, int protocol, String source, String destination, int sourcePort, int destinationPort) {
    }

    private final int capacity;
    private final int logPerSecond;
    private final Consumer<String> log;
    private final LongSupplier clockMillis;
    private final Deque<View> samples = new ArrayDeque<>();
    private final Map<Integer, String> interfaceNames = new ConcurrentHashMap<>();
    private long received;
    private long suppressedLogs;
    private long windowStart;
    private int loggedInWindow;

    public DropSamples(int capacity, int logPerSecond, Consumer<String> log, LongSupplier clockMillis) {
        if (capacity < 1) {
            throw new IllegalArgumentException("the sample buffer holds at least one sample");
        }
        this.capacity = capacity;
        this.logPerSecond = logPerSecond;
        this.log = log;
        this.clockMillis = clockMillis;
    }

    /** The interfaces' names, from the latest reports (samples carry only the ifindex). */
    public void interfaces(List<InterfaceReport> reports) {
        Map<Integer, String> byIndex = new HashMap<>();
        reports.stream().filter(r -> r.ifindex() != 0).forEach(r -> byIndex.put(r.ifindex(), r.name()));
        interfaceNames.keySet().retainAll(byIndex.keySet());
        interfaceNames.putAll(byIndex);
    }

    @Override
    public void accept(DropSample sample) {
        String[] key = sample.ruleKey() == null ? new String[] {"-", "-"} : sample.ruleKey().split("/", 2);
        View view = new View(sample.timestampNs(), interfaceNames.getOrDefault(sample.ifindex(), "if" + sample.ifindex()),
                sample.ifindex(), key[0], key.length > 1 ? key[1] : "-",
                sample.reason() == null ? "unknown" : sample.reason().label(), sample.family(), sample.protocol(),
                AddressText.of(sample.source()), AddressText.of(sample.destination()), sample.sourcePort(),
                sample.destinationPort());
        boolean logIt;
        synchronized (this) {
            received++;
            samples.addFirst(view);
            while (samples.size() > capacity) {
                samples.removeLast();
            }
            long now = clockMillis.getAsLong();
            if (now - windowStart >= 1000) {
                windowStart = now;
                loggedInWindow = 0;
            }
            logIt = loggedInWindow < logPerSecond;
            if (logIt) {
                loggedInWindow++;
            } else {
                suppressedLogs++;
            }
        }
        if (logIt) {
            log.accept(line(view));
        }
    }

    /** Newest first; null filter or interface matches any; limit capped to the buffer size. */
    public synchronized List<View> query(String filter, String interfaceName, int limit) {
        List<View> out = new ArrayList<>();
        for (Iterator<View> it = samples.iterator(); it.hasNext() && out.size() < limit; ) {
            View v = it.next();
            if ((filter == null || filter.equals(v.filter())) && (interfaceName == null || interfaceName.equals(v.interfaceName()))) {
                out.add(v);
            }
        }
        return out;
    }

    public synchronized long received() {
        return received;
    }

    public synchronized long suppressedLogs() {
        return suppressedLogs;
    }

    public int capacity() {
        return capacity;
    }

    static String line(View v) {
        return "drop_sample interface=" + v.interfaceName() + " filter=" + v.filter() + " rule=" + v.rule() + " reason="
                + v.reason() + " proto=" + v.protocol() + " src=" + v.source() + " sport=" + v.sourcePort() + " dst="
                + v.destination() + " dport=" + v.destinationPort() + " ts_ns=" + v.timestampNs();
    }
}
