package io.xdpguard.e2e.cluster;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Plays the DaemonSet controller and the kubelets for the agent DaemonSet the operator writes: one agent process per
 * node its affinity admits, started in the node's network namespace with the container's environment (NODE_NAME
 * from the downward API), stopped (SIGTERM) when the node leaves the affinity, and rolled one node at a time, each
 * new agent ready before the next, when the pod template changes. The only differences from a pod: the API server
 * URL is given explicitly (KUBERNETES_MASTER, as there is no in-cluster service account) and each node gets its own
 * bpffs root, since all simulated nodes share the host's bpffs and ifindexes repeat across namespaces.
 */
public final class SimulatedKubelet implements AutoCloseable {
    /** An agent process and the pod it was started from (template as JSON, resolved environment). */
    private record Running(ManagedProcess process, String template, Map<String, String> env) {
    }

    private record Pod(String template, Map<String, String> env) {
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String daemonSetName;
    private final Binaries binaries;
    private final String apiServerUrl;
    private final Path logs;
    private final Consumer<String> narrator;
    private final Map<String, Integer> nodeIndex;
    private final Map<String, Running> agents = new LinkedHashMap<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "simulated-kubelet"));
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

    SimulatedKubelet(KubernetesClient client, String namespace, String daemonSetName, Binaries binaries,
            String apiServerUrl, Path logs, Map<String, Integer> nodeIndex, Consumer<String> narrator) {
        this.client = client;
        this.namespace = namespace;
        this.daemonSetName = daemonSetName;
        this.binaries = binaries;
        this.apiServerUrl = apiServerUrl;
        this.logs = logs;
        this.nodeIndex = nodeIndex;
        this.narrator = narrator;
    }

    /** Where the simulated nodes' agents pin: one directory per node on the host's bpffs. */
    public static final String BPFFS_ROOTS = "/sys/fs/bpf/xge";

    /** Bpffs root of a simulated node's agent. */
    public static String bpffsRoot(String node) {
        return BPFFS_ROOTS + "/" + node;
    }

    void start() {
        ResourceEventHandler<Object> trigger = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Object obj) {
                schedule();
            }

            @Override
            public void onUpdate(Object oldObj, Object newObj) {
                schedule();
            }

            @Override
            public void onDelete(Object obj, boolean deletedFinalStateUnknown) {
                schedule();
            }
        };
        informers.add(client.apps().daemonSets().inNamespace(namespace).inform(cast(trigger)));
        informers.add(client.nodes().inform(cast(trigger)));
    }

    @SuppressWarnings("unchecked")
    private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> handler) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) handler;
    }

    private void schedule() {
        if (!worker.isShutdown()) {
            worker.execute(() -> {
                try {
                    reconcile();
                } catch (RuntimeException e) {
                    narrator.accept("kubelet: " + e);
                }
            });
        }
    }

    /** The agent process of {@code node}, if one runs. */
    public synchronized java.util.Optional<ManagedProcess> agent(String node) {
        return java.util.Optional.ofNullable(agents.get(node)).map(Running::process);
    }

    /** SIGKILLs the agent of {@code node} and starts a new one with the same environment, as a kubelet restarts a crashed container. */
    public void crashAndRestart(String node) {
        runOnWorker(() -> {
            Running running = agents.get(node);
            if (running == null) {
                throw new IllegalStateException("no agent runs on " + node);
            }
            running.process().kill();
            launch(node, new Pod(running.template(), running.env()));
            awaitReady(node);
        });
    }

    private void runOnWorker(Runnable action) {
        try {
            worker.submit(action).get(2, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IllegalStateException("simulated kubelet: " + e.getMessage(), e);
        }
    }

    private void reconcile() {
        DaemonSet ds = client.apps().daemonSets().inNamespace(namespace).withName(daemonSetName).get();
        Map<String, Pod> desired = new LinkedHashMap<>();
        if (ds != null) {
            for (Node node : client.nodes().list().getItems()) {
                String name = node.getMetadata().getName();
                if (nodeIndex.containsKey(name)
                        && NodeAffinity.admits(ds.getSpec().getTemplate().getSpec().getAffinity(), node)) {
                    desired.put(name, new Pod(client.getKubernetesSerialization().asJson(ds.getSpec().getTemplate()), environment(ds, name)));
                }
            }
        }
        for (String node : List.copyOf(agents.keySet())) {
            if (!desired.containsKey(node)) {
                narrator.accept("kubelet: " + node + " left the agent DaemonSet's affinity, stopping its agent");
                Running running;
                synchronized (this) {
                    running = agents.remove(node);
                }
                stop(node, running.process());
            }
        }
        // New pods start on all their nodes at once; a changed template rolls one node at a time (maxUnavailable 1).
        List<String> created = new ArrayList<>();
        desired.forEach((node, pod) -> {
            if (!agents.containsKey(node)) {
                launch(node, pod);
                created.add(node);
            }
        });
        created.forEach(this::awaitReady);
        desired.forEach((node, pod) -> {
            Running running = agents.get(node);
            if (!running.template().equals(pod.template()) || !running.process().isAlive()) {
                narrator.accept("kubelet: rolling the agent on " + node + (running.process().isAlive()
                        ? " (pod template changed)" : " (it exited)"));
                stop(node, running.process());
                launch(node, pod);
                awaitReady(node);
            }
        });
    }

    private void stop(String node, ManagedProcess process) {
        long start = System.nanoTime();
        process.stop();
        narrator.accept(String.format("kubelet: agent on %s stopped in %.1f s", node, (System.nanoTime() - start) / 1e9));
    }

    private void launch(String node, Pod pod) {
        String ns = SimulatedNetwork.nodeNamespace(nodeIndex.get(node));
        createBpffsRoot(node);
        ManagedProcess process = ManagedProcess.start("agent@" + node,
                Host.inNetns(ns, binaries.agentCommand("run")), pod.env(), logs.resolve("agent-" + node + ".log"));
        synchronized (this) {
            agents.put(node, new Running(process, pod.template(), pod.env()));
        }
    }

    private void awaitReady(String node) {
        Running running = agents.get(node);
        new HttpEndpoint(SimulatedNetwork.nodeAddress(nodeIndex.get(node)),
                Integer.parseInt(running.env().getOrDefault("XDPGUARD_HTTP_PORT", "9402"))).awaitReady(running.process());
        narrator.accept("kubelet: agent running on " + node + " (pid " + running.process().pid() + ")");
    }

    /** The hostPath volume's DirectoryOrCreate: a directory on the host's bpffs, not a new mount. */
    private static void createBpffsRoot(String node) {
        try {
            Files.createDirectories(Path.of(bpffsRoot(node)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The agent container's environment, resolved as the kubelet does, plus what replaces the pod's context. */
    private Map<String, String> environment(DaemonSet ds, String node) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar var : ds.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
            if (var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null) {
                if ("spec.nodeName".equals(var.getValueFrom().getFieldRef().getFieldPath())) {
                    env.put(var.getName(), node);
                }
            } else {
                env.put(var.getName(), Objects.toString(var.getValue(), ""));
            }
        }
        env.put("KUBERNETES_MASTER", apiServerUrl);
        env.put("XDPGUARD_AGENT_BPFFS_ROOT", bpffsRoot(node));
        return env;
    }

    /** Stops every agent (SIGTERM): as on node shutdown, their XDP programs and pins stay. */
    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
        worker.shutdownNow();
        try {
            worker.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            agents.values().forEach(r -> r.process().stop());
            agents.clear();
        }
    }
}
