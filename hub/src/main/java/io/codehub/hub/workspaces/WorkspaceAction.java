package io.codehub.hub.workspaces;

/** What an API call asks of an existing workspace, and the desired state it records. */
public enum WorkspaceAction {
    START(DesiredState.RUNNING),
    STOP(DesiredState.STOPPED),
    ARCHIVE(DesiredState.ARCHIVED),
    /** Recreate the volume from the archive, then stay stopped. */
    RESTORE(DesiredState.STOPPED),
    DELETE(DesiredState.DELETED);

    private final DesiredState desired;

    WorkspaceAction(DesiredState desired) {
        this.desired = desired;
    }

    /** The desired state this action records. */
    public DesiredState desired() {
        return desired;
    }
}
