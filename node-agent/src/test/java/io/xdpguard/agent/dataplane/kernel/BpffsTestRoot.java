package io.xdpguard.agent.dataplane.kernel;

import io.xdpguard.agent.dataplane.libbpf.Bpffs;
import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh directory on the host bpffs for each test ({@link Lifecycle#bpffsRoot}), removed with everything pinned
 * in it afterwards. Register with {@code @RegisterExtension}.
 */
final class BpffsTestRoot implements BeforeEachCallback, AfterEachCallback {
    private Path path;

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        path = Lifecycle.bpffsRoot();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Bpffs.removeRecursively(path);
    }

    Path path() {
        return path;
    }

    /** The real kernel's verdict for one frame (BPF_PROG_TEST_RUN). */
    static XdpAction verdict(Classifier classifier, byte[] frame) {
        return XdpAction.of(classifier.testRun(frame).retval()).orElseThrow();
    }
}
