package io.xdpguard.agent.standalone;

import jakarta.enterprise.context.ApplicationScoped;

/** Whether a standalone agent runs in this process and has made its first pass: its readiness (/q/health/ready). */
@ApplicationScoped
public class StandaloneReadiness {
    private volatile boolean running;
    private volatile boolean passed;

    public void started() {
        running = true;
    }

    public void passed() {
        passed = true;
    }

    public boolean running() {
        return running;
    }

    public boolean passedOnce() {
        return passed;
    }
}
