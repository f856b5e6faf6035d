package io.codehub.hub.fleet;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * The fleet at one instant, as this hub saw it.
 *
 * @param at               when the sample was taken
 * @param connectedTunnels agents with an open tunnel session to this hub
 * @param medianRttMillis  median round-trip time of the sessions' last keepalive PING, in milliseconds;
 *                         absent when no session has measured one yet
 * @param maxRttMillis     the largest of those round-trip times; absent likewise
 */
public record FleetSample(Instant at, int connectedTunnels, @Nullable Double medianRttMillis,
        @Nullable Double maxRttMillis) {
}
