package io.codehub.tunnel;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * What every connection of one {@link TunnelServer} shares: configuration, the session registry,
 * the failed-authentication limiter, the handshakes open per address and the draining flag.
 * Immutable apart from those thread-safe parts.
 */
final class ServerContext {

    private static final SecureRandom IDS = new SecureRandom();

    final String hubId;
    final TunnelLimits limits;
    final Keepalive keepalive;
    final TunnelAuthenticator authenticator;
    final TunnelListener listener;
    final TunnelObserver observer;
    final SessionRegistry registry;
    final FailedAuthRateLimiter rateLimiter;
    final HandshakesPerAddress handshakes;
    final Clock clock;
    final Duration unavailableRetryAfter;
    final Duration replacedSessionGrace;
    final Map<String, TunnelServerBuilder.EndpointRoute> endpoints;
    private volatile boolean draining;
    private volatile Duration drainingRetryAfter;

    ServerContext(String hubId, TunnelLimits limits, Keepalive keepalive, TunnelAuthenticator authenticator,
            TunnelListener listener, TunnelObserver observer, FailedAuthRateLimiter rateLimiter, Clock clock, Duration unavailableRetryAfter,
            Duration replacedSessionGrace, Map<String, TunnelServerBuilder.EndpointRoute> endpoints) {
        this.hubId = hubId;
        this.limits = limits;
        this.keepalive = keepalive;
        this.authenticator = authenticator;
        this.listener = listener;
        this.observer = observer;
        this.registry = new SessionRegistry(limits.maxTunnels());
        this.rateLimiter = rateLimiter;
        this.handshakes = new HandshakesPerAddress(limits.maxHandshakesPerAddress(), limits.maxHandshakes());
        this.clock = clock;
        this.unavailableRetryAfter = unavailableRetryAfter;
        this.drainingRetryAfter = unavailableRetryAfter;
        this.replacedSessionGrace = replacedSessionGrace;
        this.endpoints = Map.copyOf(endpoints);
    }

    boolean draining() {
        return draining;
    }

    void startDraining() {
        draining = true;
    }

    /**
     * Starts draining with {@code retryAfter} as the Retry-After of the 503s it answers (short when
     * the agents are to reconnect elsewhere: those the load balancer still sends here come back soon).
     */
    void startDraining(Duration retryAfter) {
        drainingRetryAfter = retryAfter;
        draining = true;
    }

    /** Retry-After of the 503 a handshake gets while the hub drains. */
    Duration drainingRetryAfter() {
        return drainingRetryAfter;
    }

    /** 128 random bits, base64url without padding. */
    static String newSessionId() {
        byte[] bytes = new byte[16];
        IDS.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
