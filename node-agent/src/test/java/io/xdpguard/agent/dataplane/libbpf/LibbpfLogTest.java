package io.xdpguard.agent.dataplane.libbpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * libbpf's print callback (a va_list formatted by libc's vsnprintf) reaches the logger and the
 * exception of a failed load.
 */
@ExtendWith(RequiresBpf.class)
class LibbpfLogTest {

    private final List<String> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            // level names differ between JUL (WARNING) and jboss-logmanager (WARN): normalise
            String level = r.getLevel().intValue() >= Level.WARNING.intValue() ? "WARNING" : r.getLevel().getName();
            records.add(level + " " + r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Logger jul;

    @BeforeEach
    void capture() {
        jul = Logger.getLogger(NativeLibs.LIBBPF_LOG.getName());
        jul.addHandler(handler);
    }

    @AfterEach
    void release() {
        jul.removeHandler(handler);
        Libbpf.setNativeLogging(true);
    }

    @Test
    void verifierRejectionIsLoggedAndExplained() {
        try (BpfObjectFile obj = BpfObjectFile.open(TestObjects.verifierReject())) {
            assertThatThrownBy(obj::load)
                    .isInstanceOfSatisfying(BpfException.class, e -> {
                        assertThat(e.operation()).isEqualTo("bpf_object__load");
                        assertThat(e.errno()).isNotZero();
                        assertThat(e.getMessage()).contains("xdp_unchecked");
                    });
        }
        assertThat(records).anySatisfy(r -> assertThat(r).startsWith("WARNING").contains("xdp_unchecked"));
        // the verifier's log came through formatted (no raw printf directives)
        assertThat(records).noneSatisfy(r -> assertThat(r).contains("%s"));
    }

    @Test
    void loggingCanBeSwitchedOffButExceptionsKeepTheDetail() {
        Libbpf.setNativeLogging(false);
        try (BpfObjectFile obj = BpfObjectFile.open(TestObjects.verifierReject())) {
            assertThatThrownBy(obj::load)
                    .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.getMessage()).contains("xdp_unchecked"));
        }
        assertThat(records).isEmpty();
    }

    static {
        // make sure WARNING reaches our handler whatever the logging configuration says
        Logger.getLogger(NativeLibs.LIBBPF_LOG.getName()).setLevel(Level.INFO);
    }
}
