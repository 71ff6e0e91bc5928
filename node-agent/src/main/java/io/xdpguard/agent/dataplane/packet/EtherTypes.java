package io.xdpguard.agent.dataplane.packet;

/** Ethertypes (and VLAN TPIDs) the dataplane and the packet tools deal with. */
public final class EtherTypes {

    public static final int IPV4 = 0x0800;
    public static final int ARP = 0x0806;
    public static final int VLAN = 0x8100;
    /** 802.1ad service tag (QinQ outer tag). */
    public static final int QINQ = 0x88a8;
    public static final int IPV6 = 0x86dd;
    public static final int LLDP = 0x88cc;

    private EtherTypes() {
    }

    /** Whether the ethertype is a VLAN tag the dataplane steps over. */
    public static boolean isVlan(int etherType) {
        return etherType == VLAN || etherType == QINQ;
    }
}
