package io.xdpguard.agent.dataplane.rules;

import inet.ipaddr.IPAddress;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.validation.Ports;
import java.util.List;
import java.util.Set;

/**
 * Traffic passed before every filter so that no filter can cut a node off its control plane: SSH, the API server,
 * etcd, kubelet, controller-manager, scheduler, DHCP and DHCPv6, IPv6 neighbour discovery (without which IPv6 breaks
 * under a default Drop, as ARP would for IPv4; ARP itself is not IP and always passes), and whole source CIDRs such
 * as the API server endpoints (whose replies to the agent arrive on ephemeral ports).
 */
public record FailsafeConfig(boolean enabled, List<Ports.Range> tcpPorts, List<Ports.Range> udpPorts,
        Set<Integer> icmpv6Types, List<IPAddress> sourceCidrs) {

    public FailsafeConfig {
        tcpPorts = List.copyOf(tcpPorts);
        udpPorts = List.copyOf(udpPorts);
        icmpv6Types = Set.copyOf(icmpv6Types);
        sourceCidrs = List.copyOf(sourceCidrs);
    }

    public static FailsafeConfig defaults() {
        return new FailsafeConfig(true,
                List.of(range(22), range(6443), new Ports.Range(2379, 2380), range(10250), range(10257), range(10259)),
                List.of(new Ports.Range(67, 68), new Ports.Range(546, 547)),
                Set.of(133, 134, 135, 136, 137),
                List.of());
    }

    public static FailsafeConfig disabled() {
        return new FailsafeConfig(false, List.of(), List.of(), Set.of(), List.of());
    }

    public FailsafeConfig withSourceCidrs(List<IPAddress> cidrs) {
        return new FailsafeConfig(enabled, tcpPorts, udpPorts, icmpv6Types, cidrs);
    }

    /** The failsafe as rules, in the order they are evaluated. */
    public List<MatchRule> rules() {
        if (!enabled) {
            return List.of();
        }
        List<MatchRule> rules = new java.util.ArrayList<>();
        if (!sourceCidrs.isEmpty()) {
            rules.add(rule("control-plane-sources", AddressMatch.of(sourceCidrs), Protocol.Any, List.of(), Set.of()));
        }
        if (!tcpPorts.isEmpty()) {
            rules.add(rule("tcp-ports", AddressMatch.ANY, Protocol.TCP, tcpPorts, Set.of()));
        }
        if (!udpPorts.isEmpty()) {
            rules.add(rule("udp-ports", AddressMatch.ANY, Protocol.UDP, udpPorts, Set.of()));
        }
        if (!icmpv6Types.isEmpty()) {
            rules.add(rule("icmpv6-neighbour-discovery", AddressMatch.ANY, Protocol.ICMPv6, List.of(), icmpv6Types));
        }
        return rules;
    }

    /** The filter name failsafe rules carry in metrics and traces. */
    public static final String FILTER_NAME = io.xdpguard.api.validation.XdpFilterValidator.RESERVED_FILTER_NAME;

    private static MatchRule rule(String name, AddressMatch sources, Protocol protocol, List<Ports.Range> ports,
            Set<Integer> icmpTypes) {
        return new MatchRule(FILTER_NAME, name, io.xdpguard.api.v1alpha1.spec.RuleAction.Pass, false, true, sources,
                AddressMatch.ANY, protocol, ports, List.of(), icmpTypes, 0, 0, false, 0);
    }

    private static Ports.Range range(int port) {
        return new Ports.Range(port, port);
    }
}
