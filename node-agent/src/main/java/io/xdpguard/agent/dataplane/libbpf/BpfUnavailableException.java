package io.xdpguard.agent.dataplane.libbpf;

/**
 * libbpf could not be loaded or BPF cannot be used here (see {@link Libbpf#unavailabilityCause()}).
 * {@link #errno()} is 0 unless the probe failed with an errno (e.g. EPERM without CAP_BPF).
 */
public class BpfUnavailableException extends BpfException {

    private static final long serialVersionUID = 1L;

    public BpfUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
