/**
 * The event history: what happened to agents and workspaces (connected, disconnected with a reason,
 * health changed, state changed, ...), kept in the database for the retention period, served paged
 * at {@code /api/v1/events} and live, resumable with {@code Last-Event-ID}, at
 * {@code /api/v1/events/stream}. Other packages record events through {@link io.codehub.hub.events.EventLog};
 * this package depends on none of them.
 */
@NullMarked
package io.codehub.hub.events;

import org.jspecify.annotations.NullMarked;
