package io.xdpguard.agent.dataplane.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.xdpguard.agent.dataplane.libbpf.Libbpf;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension for tests against the real kernel: skips each test with the reason
 * when BPF cannot be used here (not root, no libbpf, no BPF in the kernel), but FAILS it when
 * the environment variable {@code CI} is {@code true}, where these tests must run.
 * The extension checks before each test (so every skipped test is reported with its reason);
 * a {@code @BeforeAll} that touches the kernel must call {@link #require()} itself first.
 * Public so tests of other packages can use it too.
 *
 * <p>Use {@code @ExtendWith(RequiresBpf.class)}; helpers call {@link #skipOrFail(String)} for
 * their own prerequisites (clang, ip).
 */
public final class RequiresBpf implements BeforeEachCallback {

    public static boolean onCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Per test (not per class) so that every skipped test is reported with its reason. */
    @Override
    public void beforeEach(ExtensionContext context) {
        require();
    }

    public static void require() {
        if (!Libbpf.isAvailable()) {
            Throwable cause = Libbpf.unavailabilityCause();
            skipOrFail("BPF is unavailable: " + (cause == null ? "?" : cause.getMessage()));
        }
    }

    /** Aborts (skips) the current test or class, or fails it under CI=true. */
    public static void skipOrFail(String reason) {
        if (onCi()) {
            fail(reason + " (CI=true: kernel BPF tests must run, not be skipped)");
        }
        Assumptions.abort(reason + " (set CI=true to turn this skip into a failure)");
    }
}
