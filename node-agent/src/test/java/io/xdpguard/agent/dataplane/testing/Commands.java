package io.xdpguard.agent.dataplane.testing;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the host commands kernel tests need (ip, nsenter, clang, bpftool), with a timeout. */
public final class Commands {
    private Commands() {
    }

    /** Runs {@code cmd}; throws with its output when it fails. Returns stdout and stderr. */
    public static String run(List<String> cmd, int timeoutSeconds) {
        String out = tryRun(cmd, timeoutSeconds);
        if (out.startsWith("!")) {
            throw new IllegalStateException("command failed: " + String.join(" ", cmd) + "\n" + out.substring(1));
        }
        return out;
    }

    /** Runs {@code cmd}; returns its output, prefixed by "!" when it failed or timed out. */
    public static String tryRun(List<String> cmd, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes());
                } catch (IOException e) {
                    return e.toString();
                }
            });
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "!timeout after " + timeoutSeconds + "s: " + String.join(" ", cmd);
            }
            String out = output.join();
            return p.exitValue() == 0 ? out : "!exit " + p.exitValue() + ": " + out;
        } catch (IOException e) {
            return "!" + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "!interrupted";
        }
    }
}
