/**
 * Many hubs on one PostgreSQL (docs/high-availability.md): each hub's lease
 * ({@link io.codehub.hub.cluster.Membership}), the tunnel registry that says which hub holds each
 * agent's tunnel, forwarding to that hub over its relay listener
 * ({@link io.codehub.hub.cluster.ClusterTunnels}, {@link io.codehub.hub.cluster.RelayPort}), and the
 * split of periodic work so each agent's health checks and reconciliation run on exactly one live
 * hub. Nothing here is wired for a single hub ({@code CODEHUB_HUB_INTERNAL_URL} unset).
 */
@NullMarked
package io.codehub.hub.cluster;

import org.jspecify.annotations.NullMarked;
