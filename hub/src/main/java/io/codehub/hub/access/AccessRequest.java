package io.codehub.hub.access;

import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /api/v1/workspaces/{id}/access}; every field is optional, and so is the
 * body.
 *
 * @param subject who gets access (an opaque id, 1 to 256 characters, no control characters); defaults
 *                to the workspace's owner, and must be the owner when it has one
 * @param ttl     how long the session lasts: {@code 90s}, {@code 30m}, {@code 8h}, {@code 7d},
 *                {@code 1h30m} or ISO-8601 ({@code PT8H}); default {@code CODEHUB_HUB_GATEWAY_SESSION_TTL},
 *                at most {@code CODEHUB_HUB_GATEWAY_MAX_SESSION_TTL}
 * @param path    where the link lands on the workspace host, default {@code /}: a path starting with a
 *                single {@code /}, printable ASCII without spaces or backslashes (percent-encode the rest)
 * @param port    another port of the workspace to land on ({@code <port>--<id>.<apps domain>}), one of
 *                its {@code ports}; default its own port ({@code <id>.<apps domain>})
 */
public record AccessRequest(
        @Nullable @Size(min = 1, max = GatewaySessions.MAX_SUBJECT_LENGTH)
        @Pattern(regexp = "\\P{Cc}*", message = "must not contain control characters") String subject,
        @Nullable @Size(max = 64) String ttl,
        @Nullable @Size(max = WorkspaceAccess.MAX_PATH_LENGTH) String path,
        @Nullable Integer port) {

    /** No field given: every default. */
    public static final AccessRequest DEFAULTS = new AccessRequest(null, null, null, null);
}
