package io.codehub.hub.cluster;

import io.codehub.hub.workspaces.StepClaims;
import reactor.core.publisher.Mono;

/**
 * Step claims in the {@code workspaces.step_hub} column: a run of the reconciler takes steps on a
 * workspace only after this hub set it, and clears it when the run ends. A hub whose lease lapsed
 * loses its claims to the first live hub that asks, so a dead hub's work moves on without clean-up.
 */
final class ClusterStepClaims implements StepClaims {

    private final ClusterTables tables;
    private final Membership membership;

    ClusterStepClaims(ClusterTables tables, Membership membership) {
        this.tables = tables;
        this.membership = membership;
    }

    @Override
    public Mono<Boolean> claim(String workspaceId) {
        if (!membership.holdsLease()) {
            return Mono.just(false);
        }
        return tables.claimSteps(workspaceId, membership.hubId());
    }

    @Override
    public Mono<Void> release(String workspaceId) {
        return tables.releaseSteps(workspaceId, membership.hubId());
    }
}
