package io.codehub.tunnel;

import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.SslContext;

/**
 * How a tunnel port's TLS context is set up beyond its key material.
 *
 * <h2>No server-side session cache</h2>
 * OpenSSL (BoringSSL) keeps every session it establishes in a server-side cache, up to 20,480 of
 * them for two hours by default: state for resuming by session ID, which agents never do (they
 * reconnect with a full handshake; TLS 1.3 tickets, which need no cache, stay on). With 10,000 idle
 * tunnels it was about 3 KB of native memory each: {@code bin/codehub bench idle-tunnels} measured
 * 17.4–18.4 KB of hub RSS per tunnel of the second half with the cache, 14.7–16.6 KB without
 * (four runs each, alternating, same hour).
 */
public final class ServerTls {

    private ServerTls() {
    }

    /** Turns off {@code context}'s server-side session cache (an OpenSSL server context; others are left as they are). */
    public static SslContext withoutSessionCache(SslContext context) {
        if (context.sessionContext() instanceof OpenSslServerSessionContext sessions) {
            sessions.setSessionCacheEnabled(false);
        }
        return context;
    }
}
