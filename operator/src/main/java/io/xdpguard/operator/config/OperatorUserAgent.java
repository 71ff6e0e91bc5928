package io.xdpguard.operator.config;

import io.fabric8.kubernetes.client.Config;
import io.quarkus.kubernetes.client.KubernetesConfigCustomizer;
import jakarta.inject.Singleton;

/**
 * Every API request the operator makes carries the User-Agent {@value #USER_AGENT}: API server audit logs and API
 * Priority and Fairness can tell the operator apart, and the RBAC test (OperatorRbacTest) records exactly the
 * operator's calls, not those of the test driving it.
 */
@Singleton
public class OperatorUserAgent implements KubernetesConfigCustomizer {
    public static final String USER_AGENT = "xdpguard-operator";

    @Override
    public void customize(Config config) {
        config.setUserAgent(USER_AGENT);
    }
}
