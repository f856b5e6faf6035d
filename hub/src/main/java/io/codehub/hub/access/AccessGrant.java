package io.codehub.hub.access;

import java.time.Instant;

/**
 * The answer of {@code POST /api/v1/workspaces/{id}/access}. {@link #toString()} hides the token
 * and the link's code.
 *
 * @param url       the one-time link for a browser: {@code <gateway origin of the workspace host>/.codehub/access?code=<code>};
 *                  it works once, within {@code CODEHUB_HUB_GATEWAY_CODE_TTL}, and sets the session cookie
 * @param token     a session token for other clients ({@code Authorization: Bearer <token>} on the
 *                  workspace host), the same kind of session as the link's cookie, with the same expiry
 * @param expiresAt when the session ends
 */
public record AccessGrant(String url, String token, Instant expiresAt) {

    @Override
    public String toString() {
        int query = url.indexOf('?');
        return "AccessGrant[url=" + (query < 0 ? url : url.substring(0, query) + "?<hidden>") + ", token=<hidden>, "
                + "expiresAt=" + expiresAt + "]";
    }
}
