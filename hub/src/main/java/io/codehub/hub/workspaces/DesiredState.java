package io.codehub.hub.workspaces;

/** What the API last asked of a workspace; the reconciler drives the agent until it is observed. */
public enum DesiredState {
    /** Its instance runs. */
    RUNNING,
    /** No instance; its volume is kept. */
    STOPPED,
    /** Its volume is in an archive on its agent, and deleted. */
    ARCHIVED,
    /** Instance and volume removed; the workspace then disappears. */
    DELETED
}
