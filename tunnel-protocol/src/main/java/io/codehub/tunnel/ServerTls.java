package io.codehub.tunnel;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * How a tunnel port's TLS context is set up.
 *
 * <h2>Key material</h2>
 * Give Netty the key and chain already read ({@link #forServer}), not its PEM file overloads: those
 * load BouncyCastle's JCA provider to read a PEM key (0.4 s of CPU at start). For OpenSSL, Netty copies
 * the key into an in-memory key store, PKCS#12 by default, which encrypts it with 10,000 rounds of
 * PBKDF2; the store never leaves memory, so the plain JKS one ({@link #KEY_STORE_TYPE}) does. A bench
 * hub took 2.8 s to build its context through the file overloads on a busy 2-core machine.
 *
 * <h2>No server-side session cache</h2>
 * OpenSSL (BoringSSL) keeps every session it establishes in a server-side cache, up to 20,480 of
 * them for two hours by default: state for resuming by session ID, which agents never do (they
 * reconnect with a full handshake; TLS 1.3 tickets, which need no cache, stay on). With 10,000 idle
 * tunnels it was about 3 KB of native memory each: {@code bin/codehub bench idle-tunnels} measured
 * 17.4–18.4 KB of hub RSS per tunnel of the second half with the cache, 14.7–16.6 KB without
 * (four runs each, alternating, same hour).
 *
 * <h2>A small buffer for handshake output</h2>
 * Netty's OpenSSL engine gives each connection a native buffer, 2 KiB by default, for what the TLS
 * library writes while the engine reads: on a server, an alert (the reply to a close_notify) or a
 * key update's reply; its handshake flights leave through wraps (1,667 bytes for the first, with the
 * hybrid key share and a P-256 certificate). The buffer lives as long as the connection. More than it
 * holds is an ordinary short write: the library keeps the rest and the engine asks to wrap, which
 * takes it all ({@code ServerTlsTest} runs a server with a 1-byte buffer). So the tunnel port keeps
 * {@value #HANDSHAKE_OUTPUT_BUFFER} bytes, more than an alert or a key update's reply:
 * {@code bin/codehub bench idle-tunnels --count 10000} measured 13.9–14.9 KB of hub RSS per tunnel of the
 * second half with it, 15.4–18.0 KB with 2 KiB (three and five runs, same hour), 23 MB less in all at
 * 10,000 tunnels.
 */
public final class ServerTls {

    /** The in-memory store Netty copies a key into for OpenSSL (see the class comment). */
    public static final String KEY_STORE_TYPE = "JKS";

    /** Bytes of each connection's native buffer for handshake output (see the class comment). */
    public static final int HANDSHAKE_OUTPUT_BUFFER = 256;

    private ServerTls() {
    }

    /** A server context's builder with {@code key} and its certificate {@code chain}. */
    public static SslContextBuilder forServer(PrivateKey key, List<X509Certificate> chain) {
        return SslContextBuilder.forServer(key, chain).keyStoreType(KEY_STORE_TYPE);
    }

    /**
     * Sets {@code context} up for many long-lived connections that are mostly idle (a tunnel port's
     * agents): no server-side session cache, a {@value #HANDSHAKE_OUTPUT_BUFFER}-byte buffer for
     * handshake output (see the class comment). An OpenSSL server context only; others are left as
     * they are.
     *
     * @return {@code context}
     */
    public static SslContext forIdleConnections(SslContext context) {
        if (context.sessionContext() instanceof OpenSslServerSessionContext sessions) {
            sessions.setSessionCacheEnabled(false);
        }
        if (context instanceof ReferenceCountedOpenSslContext openSsl) {
            openSsl.setBioNonApplicationBufferSize(HANDSHAKE_OUTPUT_BUFFER);
        }
        return context;
    }
}
