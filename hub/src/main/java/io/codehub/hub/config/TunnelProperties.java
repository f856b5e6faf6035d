package io.codehub.hub.config;

import java.nio.file.Path;
import java.time.Duration;

import io.codehub.tunnel.Keepalive;
import io.codehub.web.ConfigurationException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The tunnel port agents behind NAT dial in to, bound from {@code codehub.hub.tunnel.*}
 * (environment variables {@code CODEHUB_HUB_TUNNEL_*}, listed in {@code docs/control-plane.md}).
 *
 * @param port        TCP port of the tunnel; 0 picks a free one ({@code CODEHUB_HUB_TUNNEL_PORT}, default 7443)
 * @param address     address to listen on, an IP literal ({@code CODEHUB_HUB_TUNNEL_ADDRESS}, default 0.0.0.0)
 * @param tlsCert     PEM certificate chain of the tunnel port; with {@code tlsKey} it turns TLS on
 *                    ({@code CODEHUB_HUB_TUNNEL_TLS_CERT}, default unset: plaintext)
 * @param tlsKey      PEM private key (PKCS#8) of {@code tlsCert} ({@code CODEHUB_HUB_TUNNEL_TLS_KEY})
 * @param drainGrace  when the hub drains, how long agents' open streams may run on after GOAWAY
 *                    {@code draining}: for agents that did not move in {@code moveGrace}, or cannot
 *                    ({@code CODEHUB_HUB_TUNNEL_DRAIN_GRACE}, default 10s)
 * @param moveGrace   when the hub drains ({@code POST /api/v1/hub/drain}, SIGTERM), how long its agents
 *                    get to reconnect elsewhere and close their sessions here themselves before the rest
 *                    are drained with GOAWAY ({@code CODEHUB_HUB_TUNNEL_MOVE_GRACE}, default 5s); give it
 *                    the time the load balancer takes to see this hub's readiness fail. With
 *                    {@code drainGrace} it bounds the tunnel's share of the shutdown, which must stay within
 *                    {@code spring.lifecycle.timeout-per-shutdown-phase} (20s)
 * @param ticketTtl   lifetime of the resumption ticket an agent gets with each successful handshake
 *                    ({@code CODEHUB_HUB_TUNNEL_TICKET_TTL}, default 24h)
 * @param clientAuth  whether the TLS handshake asks agents for a client certificate issued by the hub's CA
 *                    ({@code CODEHUB_HUB_TUNNEL_CLIENT_AUTH}): {@code none} (default), {@code optional} (the
 *                    migration: agents with and without certificates connect), {@code require}; anything but
 *                    {@code none} needs TLS and {@code CODEHUB_HUB_PKI_DIR}
 * @param failedAuthBurst failed authentications (handshakes and enrolments) one source address may
 *                    have before it gets 429 ({@code CODEHUB_HUB_TUNNEL_FAILED_AUTH_BURST}, default 10); raise it
 *                    when many agents share one NAT address
 * @param failedAuthRefill the address earns back one attempt per this period
 *                    ({@code CODEHUB_HUB_TUNNEL_FAILED_AUTH_REFILL}, default 6s)
 * @param handshakeTimeout from accept to the 101, TLS included; a connection that has not finished its
 *                    handshake by then is answered 408 (or 503 while its key is being checked) and closed
 *                    ({@code CODEHUB_HUB_TUNNEL_HANDSHAKE_TIMEOUT}, default 10s)
 * @param maxHandshakes connections of all addresses together that may be in their handshake (TLS and
 *                    authentication) at once; at the cap new connections are accepted and wait, before
 *                    TLS, for one to end ({@code CODEHUB_HUB_TUNNEL_MAX_HANDSHAKES}, default 10000, as many
 *                    as the tunnels a hub holds). Lower (512 on two cores) bounds the hub's CPU under a
 *                    fleet's reconnection storm, at a price: an attacker with many addresses can hold the
 *                    whole cap with idle sockets for a handshake timeout at a time
 * @param maxWaitingHandshakes connections accepted at the {@code maxHandshakes} cap that may wait for a
 *                    handshake slot, first come first served, a socket each and no TLS state
 *                    ({@code CODEHUB_HUB_TUNNEL_MAX_WAITING_HANDSHAKES}, default 10000); with that many
 *                    waiting the port accepts nothing and more wait in the kernel's listen backlog. A
 *                    connection waits at most five handshake timeouts, then is closed unanswered
 * @param keyCheckThreads API keys checked (bcrypt) at once in handshakes and enrolments; 0 means half the
 *                    processors, at least 2 ({@code CODEHUB_HUB_TUNNEL_KEY_CHECK_THREADS}, default 0)
 * @param keyCheckQueue key checks that may wait for a thread; more get 503 with Retry-After
 *                    ({@code CODEHUB_HUB_TUNNEL_KEY_CHECK_QUEUE}, default 1024: a few seconds of checks at
 *                    the default bcrypt cost, within the handshake timeout)
 * @param keepaliveInterval time between two PINGs on each tunnel, whole seconds from 1 to 3600
 *                    ({@code CODEHUB_HUB_TUNNEL_KEEPALIVE_INTERVAL}, default 15s); the hub closes a tunnel
 *                    whose ACK is 9 s late (two intervals when shorter), agents one they heard nothing on
 *                    for three intervals. Shorter finds a dead agent sooner and costs the hub a TLS record
 *                    written and read per tunnel and interval
 */
@ConfigurationProperties("codehub.hub.tunnel")
public record TunnelProperties(
        @DefaultValue("7443") int port,
        @DefaultValue("0.0.0.0") String address,
        @Nullable Path tlsCert,
        @Nullable Path tlsKey,
        @DefaultValue("10s") Duration drainGrace,
        @DefaultValue("24h") Duration ticketTtl,
        @DefaultValue("none") String clientAuth,
        @DefaultValue("10") int failedAuthBurst,
        @DefaultValue("6s") Duration failedAuthRefill,
        @DefaultValue("10s") Duration handshakeTimeout,
        @DefaultValue("128") int maxHandshakesPerAddress,
        @DefaultValue("0") int keyCheckThreads,
        @DefaultValue("1024") int keyCheckQueue,
        @DefaultValue("5s") Duration moveGrace,
        @DefaultValue("10000") int maxHandshakes,
        @DefaultValue("10000") int maxWaitingHandshakes,
        @DefaultValue("15s") Duration keepaliveInterval) {

    /** Default of {@code moveGrace}. */
    public static final Duration DEFAULT_MOVE_GRACE = Duration.ofSeconds(5);
    /** Default of {@code maxHandshakes}. */
    public static final int DEFAULT_MAX_HANDSHAKES = 10_000;
    /** Default of {@code maxWaitingHandshakes}. */
    public static final int DEFAULT_MAX_WAITING_HANDSHAKES = 10_000;
    /** Default of {@code keepaliveInterval}. */
    public static final Duration DEFAULT_KEEPALIVE_INTERVAL = Duration.ofSeconds(15);

    @ConstructorBinding
    public TunnelProperties {
        ConfigurationChecks.inRange("CODEHUB_HUB_TUNNEL_PORT", port, 0, 65_535);
        if (address.isBlank() || !address.trim().matches("[0-9a-fA-F.:\\[\\]]+")) {
            throw new ConfigurationException("CODEHUB_HUB_TUNNEL_ADDRESS", "'" + address + "' (expected: an IP address)",
                    "Set CODEHUB_HUB_TUNNEL_ADDRESS to an IP address of this host, such as 0.0.0.0, 127.0.0.1 or ::.");
        }
        address = address.trim();
        if ((tlsCert == null) != (tlsKey == null)) {
            String missing = tlsCert == null ? "CODEHUB_HUB_TUNNEL_TLS_CERT" : "CODEHUB_HUB_TUNNEL_TLS_KEY";
            throw new ConfigurationException(missing, "not set, while its partner is",
                    "Set both CODEHUB_HUB_TUNNEL_TLS_CERT and CODEHUB_HUB_TUNNEL_TLS_KEY (PEM files), or neither.");
        }
        ConfigurationChecks.readable("CODEHUB_HUB_TUNNEL_TLS_CERT", tlsCert);
        ConfigurationChecks.readable("CODEHUB_HUB_TUNNEL_TLS_KEY", tlsKey);
        ConfigurationChecks.positive("CODEHUB_HUB_TUNNEL_DRAIN_GRACE", drainGrace);
        ConfigurationChecks.positive("CODEHUB_HUB_TUNNEL_MOVE_GRACE", moveGrace);
        ConfigurationChecks.positive("CODEHUB_HUB_TUNNEL_TICKET_TTL", ticketTtl);
        ConfigurationChecks.inRange("CODEHUB_HUB_TUNNEL_FAILED_AUTH_BURST", failedAuthBurst, 1, 1_000_000);
        ConfigurationChecks.positive("CODEHUB_HUB_TUNNEL_FAILED_AUTH_REFILL", failedAuthRefill);
        ConfigurationChecks.positive("CODEHUB_HUB_TUNNEL_HANDSHAKE_TIMEOUT", handshakeTimeout);
        ConfigurationChecks.inRange("CODEHUB_HUB_TUNNEL_MAX_HANDSHAKES_PER_ADDRESS", maxHandshakesPerAddress, 1, 1_000_000);
        ConfigurationChecks.inRange("CODEHUB_HUB_TUNNEL_MAX_HANDSHAKES", maxHandshakes, 1, 1_000_000);
        ConfigurationChecks.inRange("CODEHUB_HUB_TUNNEL_MAX_WAITING_HANDSHAKES", maxWaitingHandshakes, 1, 1_000_000);
        ConfigurationChecks.inRange("CODEHUB_HUB_TUNNEL_KEY_CHECK_THREADS", keyCheckThreads, 0, 256);
        ConfigurationChecks.inRange("CODEHUB_HUB_TUNNEL_KEY_CHECK_QUEUE", keyCheckQueue, 0, 100_000);
        try {
            Keepalive.withInterval(keepaliveInterval);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("CODEHUB_HUB_TUNNEL_KEEPALIVE_INTERVAL", e.getMessage(),
                    "Set CODEHUB_HUB_TUNNEL_KEEPALIVE_INTERVAL to whole seconds from 1s to 3600s, such as 15s.", e);
        }
        clientAuth = clientAuth.trim().toLowerCase(java.util.Locale.ROOT);
        if (!clientAuth.matches("none|optional|require")) {
            throw new ConfigurationException("CODEHUB_HUB_TUNNEL_CLIENT_AUTH", "'" + clientAuth + "'",
                    "Set CODEHUB_HUB_TUNNEL_CLIENT_AUTH to none, optional or require.");
        }
        if (!clientAuth.equals("none") && tlsCert == null) {
            throw new ConfigurationException("CODEHUB_HUB_TUNNEL_CLIENT_AUTH", clientAuth + " on a plaintext tunnel port",
                    "Client certificates need TLS: set CODEHUB_HUB_TUNNEL_TLS_CERT and CODEHUB_HUB_TUNNEL_TLS_KEY "
                            + "(bin/codehub pki issue server), or set CODEHUB_HUB_TUNNEL_CLIENT_AUTH=none.");
        }
    }

    /** The settings as bound, with the default {@code moveGrace}. */
    public TunnelProperties(int port, String address, @Nullable Path tlsCert, @Nullable Path tlsKey, Duration drainGrace,
            Duration ticketTtl, String clientAuth, int failedAuthBurst, Duration failedAuthRefill,
            Duration handshakeTimeout, int maxHandshakesPerAddress, int keyCheckThreads, int keyCheckQueue) {
        this(port, address, tlsCert, tlsKey, drainGrace, ticketTtl, clientAuth, failedAuthBurst, failedAuthRefill,
                handshakeTimeout, maxHandshakesPerAddress, keyCheckThreads, keyCheckQueue, DEFAULT_MOVE_GRACE);
    }

    /** The settings as bound, with the default {@code maxHandshakes}. */
    public TunnelProperties(int port, String address, @Nullable Path tlsCert, @Nullable Path tlsKey, Duration drainGrace,
            Duration ticketTtl, String clientAuth, int failedAuthBurst, Duration failedAuthRefill,
            Duration handshakeTimeout, int maxHandshakesPerAddress, int keyCheckThreads, int keyCheckQueue,
            Duration moveGrace) {
        this(port, address, tlsCert, tlsKey, drainGrace, ticketTtl, clientAuth, failedAuthBurst, failedAuthRefill,
                handshakeTimeout, maxHandshakesPerAddress, keyCheckThreads, keyCheckQueue, moveGrace,
                DEFAULT_MAX_HANDSHAKES, DEFAULT_MAX_WAITING_HANDSHAKES, DEFAULT_KEEPALIVE_INTERVAL);
    }

    /** The settings as bound, with the default {@code keepaliveInterval}. */
    public TunnelProperties(int port, String address, @Nullable Path tlsCert, @Nullable Path tlsKey, Duration drainGrace,
            Duration ticketTtl, String clientAuth, int failedAuthBurst, Duration failedAuthRefill,
            Duration handshakeTimeout, int maxHandshakesPerAddress, int keyCheckThreads, int keyCheckQueue,
            Duration moveGrace, int maxHandshakes, int maxWaitingHandshakes) {
        this(port, address, tlsCert, tlsKey, drainGrace, ticketTtl, clientAuth, failedAuthBurst, failedAuthRefill,
                handshakeTimeout, maxHandshakesPerAddress, keyCheckThreads, keyCheckQueue, moveGrace,
                maxHandshakes, maxWaitingHandshakes, DEFAULT_KEEPALIVE_INTERVAL);
    }

    /**
     * How long a connection may wait for a handshake slot: five handshake timeouts, within the six an
     * agent waits for the hub's first byte (which the hub sends as the handshake starts).
     */
    public Duration handshakeWait() {
        return handshakeTimeout.multipliedBy(5);
    }

    /**
     * Threads that check API keys: {@code keyCheckThreads}, or half the processors (at least 2) when 0.
     * Two at least: on two cores a single key-check thread, one runnable thread among the event
     * loops, the JIT and the GC, got a fraction of a core while a whole fleet connected for the first
     * time, and bcrypt (1 ms a check at cost 4) was what the fleet waited for (10,000 agents: 84 s
     * and 554 refused handshakes with one thread, 59 s and none with two).
     */
    public int keyCheckThreadsOrDefault() {
        return keyCheckThreads > 0 ? keyCheckThreads : Math.max(2, Runtime.getRuntime().availableProcessors() / 2);
    }

    /** The tunnels' PINGs: every {@code keepaliveInterval}, with the ACK timeout {@link Keepalive#withInterval} gives. */
    public Keepalive keepalive() {
        return Keepalive.withInterval(keepaliveInterval);
    }

    /** Whether agents are asked for client certificates at all. */
    public boolean asksForCertificates() {
        return !clientAuth.equals("none");
    }

    /** Whether the tunnel port runs TLS. */
    public boolean tls() {
        return tlsCert != null;
    }
}
