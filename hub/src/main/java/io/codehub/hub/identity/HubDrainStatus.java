package io.codehub.hub.identity;

/**
 * Whether this hub is draining: it refuses new tunnels, has asked its agents to reconnect elsewhere
 * and exits once they have left. Shown as {@code draining} in {@code GET /api/v1/hub}; the tunnel
 * port provides it.
 */
@FunctionalInterface
public interface HubDrainStatus {

    /** True from the start of a drain ({@code POST /api/v1/hub/drain} or SIGTERM) on. */
    boolean draining();
}
