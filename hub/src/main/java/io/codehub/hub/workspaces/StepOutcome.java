package io.codehub.hub.workspaces;

/**
 * What one reconciler step did with a workspace, and so what happens next.
 */
sealed interface StepOutcome {

    /** Moved on (the workspace as it is now): save it and take the next step at once. */
    record Advanced(Workspace workspace) implements StepOutcome {
    }

    /** Waiting on the agent (an instance starting, a job running): save it and look again soon. */
    record Waiting(Workspace workspace) implements StepOutcome {
    }

    /** Observed is what is desired: nothing to do. */
    record Settled() implements StepOutcome {
    }

    /** Everything is removed from the agent: delete the row and free the agent's slot. */
    record Removed(Workspace workspace) implements StepOutcome {
    }

    /** The step failed for {@code reason}; {@code workspace} is what to keep of it (e.g. a failed job forgotten). */
    record Failed(Workspace workspace, String reason) implements StepOutcome {
    }
}
