package io.xdpguard.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Leader election through a coordination.k8s.io Lease in the operator namespace, so that two replicas can run: one
 * reconciles, the other waits to take over. The operator SDK uses this bean in the profiles listed in
 * {@code quarkus.operator-sdk.activate-leader-election-for-profiles} (prod by default; not in tests and dev mode).
 */
@ApplicationScoped
public class LeaderElectionProducer {

    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection(OperatorConfig config) {
        OperatorConfig.LeaderElection le = config.leaderElection();
        return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(le.leaseName())
                .withLeaseNamespace(config.namespace())
                // The pod name (Downward API), as the Lease's holderIdentity: what `kubectl get lease` should show.
                .withIdentity(config.podName())
                .withLeaseDuration(le.leaseDuration())
                .withRenewDeadline(le.renewDeadline())
                .withRetryPeriod(le.retryPeriod())
                .build();
    }
}
