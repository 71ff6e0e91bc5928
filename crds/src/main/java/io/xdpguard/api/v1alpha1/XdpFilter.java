package io.xdpguard.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;
import io.xdpguard.api.v1alpha1.spec.XdpFilterSpec;
import io.xdpguard.api.v1alpha1.status.XdpFilterStatus;

/** What a cluster admin writes: on selected nodes and interfaces, pass, drop or rate-limit matching packets. */
@Group(Api.GROUP)
@Version(Api.VERSION)
@Kind("XdpFilter")
@Singular("xdpfilter")
@Plural("xdpfilters")
@ShortNames("xdpf")
@AdditionalPrinterColumn(name = "Accepted", jsonPath = ".status.conditions[?(@.type==\"Accepted\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Enforcing", jsonPath = ".status.nodes.summary", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Rules", jsonPath = ".status.ruleCount", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Mode", jsonPath = ".spec.enforcement", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class XdpFilter extends CustomResource<XdpFilterSpec, XdpFilterStatus> {
}
