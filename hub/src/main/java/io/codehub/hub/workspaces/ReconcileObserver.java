package io.codehub.hub.workspaces;

/** Times the reconciler's steps, for metrics. Must not block. */
public interface ReconcileObserver {

    /** Observes nothing. */
    ReconcileObserver NONE = (step, failed, nanos) -> { };

    /**
     * One step was taken on a workspace whose observed state was {@code step}; it failed (and will
     * be retried, or the workspace goes {@code ERROR}) when {@code failed}.
     */
    void stepTaken(ObservedState step, boolean failed, long nanos);
}
