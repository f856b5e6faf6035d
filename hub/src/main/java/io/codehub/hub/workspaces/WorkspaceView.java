package io.codehub.hub.workspaces;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A workspace as the API shows it. Environment values are not shown: they may hold secrets.
 *
 * @param id           its id
 * @param name         its name
 * @param owner        the subject who may open it through the gateway (absent: any subject an access request names)
 * @param agentId      the agent it lives on
 * @param image        the image it runs
 * @param port         the port it serves on
 * @param ports        the additional ports it serves on
 * @param state        the observed state
 * @param desiredState what was last asked for
 * @param reason       why it is in {@code ERROR}, or why the current step's last attempt failed
 * @param archiveKey   its last archive on the agent
 * @param createdAt    when it was created
 * @param updatedAt    when it last changed
 */
public record WorkspaceView(String id, String name, @Nullable String owner, String agentId, String image, int port,
        List<Integer> ports,
        ObservedState state, DesiredState desiredState, @Nullable String reason, @Nullable String archiveKey,
        Instant createdAt, Instant updatedAt) {

    public static WorkspaceView of(Workspace workspace) {
        return new WorkspaceView(workspace.id(), workspace.name(), workspace.owner(), workspace.agentId(),
                workspace.spec().image(), workspace.spec().port(), workspace.spec().ports(), workspace.observed(),
                workspace.desired(), workspace.reason(),
                workspace.archiveKey() == null ? null : workspace.archiveKey().value(), workspace.createdAt(),
                workspace.updatedAt());
    }
}
