/** Periodic agent health checks with backoff, marking failing agents and their in-flight workspaces. */
@NullMarked
package io.codehub.hub.health;

import org.jspecify.annotations.NullMarked;
