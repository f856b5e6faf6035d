package io.codehub.hub.workspaces;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a workspace is, as the reconciler last saw it on its agent. {@link #RUNNING},
 * {@link #STOPPED} and {@link #ARCHIVED} are resting states; {@link #ERROR} waits for a new request;
 * the others are steps in flight, which the reconciler (after a hub restart too) carries on.
 */
public enum ObservedState {
    /** Just created, or retried after an error: the reconciler first looks at what exists on the agent. */
    PENDING,
    STARTING,
    RUNNING,
    STOPPING,
    STOPPED,
    ARCHIVING,
    ARCHIVED,
    RESTORING,
    DELETING,
    /** A step kept failing, or the agent failed its health checks; {@code reason} says why. */
    ERROR;

    /** The states of a step in flight. */
    public static final Set<ObservedState> IN_FLIGHT = EnumSet.of(PENDING, STARTING, STOPPING, ARCHIVING, RESTORING,
            DELETING);

    /** Whether this is the resting state that {@code desired} asks for. */
    public boolean satisfies(DesiredState desired) {
        return switch (desired) {
            case RUNNING -> this == RUNNING;
            case STOPPED -> this == STOPPED;
            case ARCHIVED -> this == ARCHIVED;
            case DELETED -> false;
        };
    }
}
