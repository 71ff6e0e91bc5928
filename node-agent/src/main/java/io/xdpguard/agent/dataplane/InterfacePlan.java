package io.xdpguard.agent.dataplane;

import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.api.v1alpha1.spec.AttachMode;

/**
 * What one host interface must enforce.
 *
 * @param name   the interface name, resolved from the filters' include/exclude globs
 * @param mode   how to attach: the strictest mode any selecting filter asks for
 * @param rules  the merged rule set
 * @param ruleSetId a stable digest of the rule set (with the filters' generations), to skip rewriting what is in force
 */
public record InterfacePlan(String name, AttachMode mode, RuleSet rules, String ruleSetId) {
}
