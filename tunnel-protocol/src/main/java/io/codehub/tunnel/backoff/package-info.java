/**
 * The one retry and backoff policy of codehub, {@link io.codehub.tunnel.backoff.Backoff}: the
 * agent's reconnects, its certificate renewal, and the hub's reconciler, health checks and Agent
 * API retries all take their delays from it. It lives in {@code tunnel-protocol}, the lowest module
 * both the hub and the agent depend on, and uses nothing but the JDK.
 */
@NullMarked
package io.codehub.tunnel.backoff;

import org.jspecify.annotations.NullMarked;
