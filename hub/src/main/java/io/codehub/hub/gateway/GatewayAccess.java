package io.codehub.hub.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.codehub.hub.access.AccessCodes;
import io.codehub.hub.access.GatewaySessions;
import io.codehub.hub.access.SessionCookie;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.jspecify.annotations.Nullable;

/**
 * The access checks as the gateway makes them, on an event loop: sessions ({@link GatewaySessions},
 * an HMAC check, no database), the session cookie ({@link SessionCookie}; {@code __Host-} and
 * {@code Secure} when browsers reach the gateway over https), and one-time codes
 * ({@link AccessCodes}, one database update each). Thread-safe.
 */
final class GatewayAccess {

    /** A redeemed code: where to send the browser and the cookie to set. */
    record SignedIn(String redirectPath, String setCookie) {
        @Override
        public String toString() {
            return "SignedIn[" + redirectPath + "]";
        }
    }

    private final GatewaySessions sessions;
    private final AccessCodes codes;
    private final SessionCookie cookie;
    private final boolean secure;

    GatewayAccess(GatewaySessions sessions, AccessCodes codes, SessionCookie cookie, boolean secure) {
        this.sessions = sessions;
        this.codes = codes;
        this.cookie = cookie;
        this.secure = secure;
    }

    /** Null when {@code credential} is a valid session for this workspace generation, else why not. */
    @Nullable String verify(String credential, String workspaceId, long generation) {
        GatewaySessions.Verified verified = sessions.verify(credential, workspaceId, generation);
        return verified.ok() ? null : verified.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** Whether a bearer token is one of the gateway's (and so never forwarded). */
    boolean isSessionToken(String token) {
        return token.startsWith(GatewaySessions.PREFIX);
    }

    /** The values of the session cookies in a {@code Cookie} header, in order. */
    List<String> cookieValues(String cookieHeader) {
        return cookie.findAll(cookieHeader, secure);
    }

    /** Removes {@code Set-Cookie} headers that name a gateway session cookie (either name). */
    void dropSessionCookies(HttpHeaders headers) {
        List<String> all = headers.getAll(HttpHeaderNames.SET_COOKIE);
        if (all.isEmpty()) {
            return;
        }
        List<String> kept = new ArrayList<>(all.size());
        for (String value : all) {
            String name = value.substring(0, Math.max(0, value.indexOf('='))).trim();
            if (!name.equals(cookie.name(true)) && !name.equals(cookie.name(false))) {
                kept.add(value);
            }
        }
        if (kept.size() != all.size()) {
            headers.set(HttpHeaderNames.SET_COOKIE, kept);
        }
    }

    /** The {@code Cookie} header without the gateway's cookie; null or empty when nothing is left. */
    @Nullable String stripCookie(String cookieHeader) {
        return cookie.strip(cookieHeader, secure);
    }

    /**
     * Redeems a one-time code for this workspace: completes with where to go and the cookie to
     * set, or with null when the code is unknown, used, expired or for another workspace.
     */
    CompletableFuture<@Nullable SignedIn> redeem(String code, String workspaceId) {
        return codes.redeem(code, workspaceId)
                .map(redeemed -> new SignedIn(redeemed.redirectPath(),
                        cookie.setCookie(redeemed.token(), redeemed.expiresAt(), secure)))
                .toFuture();
    }
}
