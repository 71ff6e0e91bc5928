package io.xdpguard.operator.status;

import io.fabric8.kubernetes.api.model.Node;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import io.xdpguard.api.v1alpha1.status.FilterNodeStatus;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * When a deleted filter may be released (its finalizer removed): once no agent still holds it. Pure.
 *
 * <p>An agent holds a filter while its XdpNodeState lists it in any phase but NotSelected. A node that no longer
 * exists never blocks (its XdpNodeState is owned by the Node and garbage-collected with it), nor does a node NotReady
 * for longer than the timeout: its agent is presumed gone, and a deletion must not wait forever on a dead machine.
 * When that node comes back, its agent no longer finds the filter and removes it itself.
 */
public final class FilterRelease {
    private FilterRelease() {
    }

    /** Nodes still holding the filter, and when to look again if some only block until their timeout runs out. */
    public record Decision(List<String> blockingNodes, Optional<Duration> recheckIn) {
        public boolean released() {
            return blockingNodes.isEmpty();
        }
    }

    public static Decision decide(String filter, List<XdpNodeState> nodeStates, List<Node> nodes, Instant now,
            Duration notReadyTimeout) {
        Map<String, Node> byName = nodes.stream()
                .collect(Collectors.toMap(n -> n.getMetadata().getName(), Function.identity(), (a, b) -> a));
        List<String> blocking = new ArrayList<>();
        Duration recheck = null;
        for (XdpNodeState state : nodeStates) {
            if (!holds(state, filter)) {
                continue;
            }
            String nodeName = FilterStatusAggregator.nodeName(state);
            Node node = byName.get(nodeName);
            if (node == null) {
                continue;
            }
            Optional<Instant> notReadySince = NodeEligibility.notReadySince(node);
            if (notReadySince.isPresent()) {
                Duration left = Duration.between(now, notReadySince.get().plus(notReadyTimeout));
                if (left.isNegative() || left.isZero()) {
                    continue;
                }
                recheck = recheck == null || left.compareTo(recheck) < 0 ? left : recheck;
            }
            blocking.add(nodeName);
        }
        blocking.sort(null);
        return new Decision(blocking, Optional.ofNullable(recheck));
    }

    /** Whether the agent that wrote this state still has the filter in its dataplane (or may have). */
    public static boolean holds(XdpNodeState state, String filter) {
        return state.getStatus() != null && state.getStatus().getFilters() != null
                && state.getStatus().getFilters().stream().anyMatch(f -> filter.equals(f.name()) && holds(f));
    }

    static boolean holds(FilterNodeStatus f) {
        return f.phase() != FilterPhase.NotSelected;
    }
}
