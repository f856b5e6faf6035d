package io.codehub.hub.agents;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * When an agent was last seen coming and going. For an agent behind the tunnel, connected means a
 * session opened; for one the hub calls directly, a health check passed (so its
 * {@code lastConnectedAt} is the last check it passed).
 *
 * @param firstConnectedAt     its first session or passed health check
 * @param lastConnectedAt      its latest
 * @param lastDisconnectedAt   when its last session ended, or it was marked {@code error}
 * @param lastDisconnectReason why (a disconnect reason of {@code docs/operations.md}, e.g. {@code half-open})
 */
public record ConnectionHistory(@Nullable Instant firstConnectedAt, @Nullable Instant lastConnectedAt,
        @Nullable Instant lastDisconnectedAt, @Nullable String lastDisconnectReason) {

    /** An agent never seen. */
    public static final ConnectionHistory NEVER = new ConnectionHistory(null, null, null, null);
}
