package io.codehub.hub.identity;

/**
 * The body of {@code GET /api/v1/hub}.
 *
 * @param hubId        the hub's id
 * @param publicKeyPem the key agents verify the hub's tokens with ({@code CODEHUB_AGENT_HUB_PUBLIC_KEY})
 * @param version      the hub's version
 * @param draining     whether the hub is draining ({@code POST /api/v1/hub/drain} or SIGTERM): it takes no
 *                     new tunnels and its readiness answers 503
 */
public record HubInfo(String hubId, String publicKeyPem, String version, boolean draining) {
}
