package io.xdpguard.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;
import io.xdpguard.api.v1alpha1.status.XdpNodeStateStatus;

/**
 * What one node's agent has actually done in its kernel. One per node, named after the node, owned by its
 * {@code Node}, written only by that node's agent: N agents never write one object.
 */
@Group(Api.GROUP)
@Version(Api.VERSION)
@Kind("XdpNodeState")
@Singular("xdpnodestate")
@Plural("xdpnodestates")
@ShortNames("xdpns")
@AdditionalPrinterColumn(name = "Agent", jsonPath = ".status.agentVersion", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Kernel", jsonPath = ".status.kernelVersion", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Filters", jsonPath = ".status.filterCount", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class XdpNodeState extends CustomResource<Void, XdpNodeStateStatus> {
}
