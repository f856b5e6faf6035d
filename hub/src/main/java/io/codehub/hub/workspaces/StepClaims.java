package io.codehub.hub.workspaces;

import reactor.core.publisher.Mono;

/**
 * Makes sure two hubs never take a step on the same workspace at once: a run of the reconciler
 * claims the workspace first and releases it when the run ends. A single hub needs no claim.
 */
public interface StepClaims {

    /** A single hub: every claim is won, nothing is written. */
    StepClaims NONE = new StepClaims() {
        @Override
        public Mono<Boolean> claim(String workspaceId) {
            return Mono.just(true);
        }

        @Override
        public Mono<Void> release(String workspaceId) {
            return Mono.empty();
        }
    };

    /** Claims {@code workspaceId} for this hub; false when another live hub holds it. */
    Mono<Boolean> claim(String workspaceId);

    /** Gives the claim back (nothing when this hub does not hold it). */
    Mono<Void> release(String workspaceId);
}
