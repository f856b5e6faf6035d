/**
 * Access to workspaces through the gateway: who may open which workspace. Signed sessions
 * ({@link io.codehub.hub.access.GatewaySessions}), one-time codes of access links
 * ({@link io.codehub.hub.access.AccessCodes}), the session cookie
 * ({@link io.codehub.hub.access.SessionCookie}) and {@code POST /api/v1/workspaces/{id}/access}.
 * It knows workspaces and configuration, never the gateway that uses it.
 */
@NullMarked
package io.codehub.hub.access;

import org.jspecify.annotations.NullMarked;
