package io.xdpguard.agent.dataplane.testing;

import io.xdpguard.agent.dataplane.libbpf.XdpAttachment;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Polls the program attached to an interface about every millisecond until stopped and records every id seen (0:
 * nothing attached): proof that a restart or upgrade never left the interface without a program.
 */
public final class AttachWatch implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Set<Integer> seen = ConcurrentHashMap.newKeySet();
    private final AtomicLong polls = new AtomicLong();
    private final Thread thread;

    public AttachWatch(int ifindex) {
        thread = new Thread(() -> {
            while (running.get()) {
                XdpAttachment.Status status = XdpAttachment.query(ifindex);
                seen.add(status.drvProgId() != 0 ? status.drvProgId() : status.skbProgId());
                polls.incrementAndGet();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "attach-watch");
        thread.setDaemon(true);
        thread.start();
    }

    public Set<Integer> stop() throws InterruptedException {
        running.set(false);
        thread.join(5000);
        return seen;
    }

    public long polls() {
        return polls.get();
    }

    @Override
    public void close() {
        running.set(false);
    }
}
