/**
 * The fleet's recent history, kept in memory: connected tunnels and their keepalive round-trip
 * times, sampled at a fixed interval over a bounded window, for the dashboard's chart
 * ({@code GET /api/v1/fleet/history}). Each hub samples its own tunnels; nothing is stored.
 */
@NullMarked
package io.codehub.hub.fleet;

import org.jspecify.annotations.NullMarked;
