package io.xdpguard.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;
import io.xdpguard.api.v1alpha1.spec.XdpCidrSetSpec;
import io.xdpguard.api.v1alpha1.status.XdpCidrSetStatus;

/** A named, shared list of CIDRs that rules reference through {@code sourceSets}. */
@Group(Api.GROUP)
@Version(Api.VERSION)
@Kind("XdpCidrSet")
@Singular("xdpcidrset")
@Plural("xdpcidrsets")
@ShortNames("xdpcs")
@AdditionalPrinterColumn(name = "CIDRs", jsonPath = ".status.count", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Accepted", jsonPath = ".status.conditions[?(@.type==\"Accepted\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class XdpCidrSet extends CustomResource<XdpCidrSetSpec, XdpCidrSetStatus> {
}
