package io.codehub.tunnel;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

import io.codehub.base.Backoff;
import io.codehub.base.Checks;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Ticker;
import org.jspecify.annotations.Nullable;

/**
 * Configures a {@link TunnelConnector}. Required: {@link #hubUri}, {@link #agentVersion},
 * {@link #streamHandlerFactory}, and a credential ({@link #apiKey}, or a client certificate in the
 * {@link #sslContext}). A {@code tls://} hub needs an {@link #sslContext}. Setters validate at once.
 */
public final class TunnelConnectorBuilder {

    /**
     * The reconnect backoff of {@code docs/tunnel-protocol.md} §7.3: 1 s doubling to 30 s, full
     * jitter, the ceiling also bounded by twice the time the agent has been failing.
     */
    public static final Backoff DEFAULT_BACKOFF = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30))
            .withFullJitter()
            .boundedByFailingTime(2);

    @Nullable HubAddress hub;
    @Nullable HubAddress proxy;
    @Nullable Supplier<SslContext> sslContext;
    @Nullable String tlsServerName;
    @Nullable String apiKey;
    @Nullable String agentVersion;
    Supplier<AgentDescription> description = () -> AgentDescription.NONE;
    @Nullable IncomingStreamHandlerFactory streams;
    TicketStore ticketStore = TicketStore.inMemory();
    ConnectorListener listener = new ConnectorListener() { };
    TunnelLimits limits = TunnelLimits.defaults();
    Backoff backoff = DEFAULT_BACKOFF;
    Duration healthyAfter = Duration.ofSeconds(60);
    Duration drainJitter = Duration.ofSeconds(1);
    RandomGenerator random = new Random();
    Ticker ticker = Ticker.systemTicker();
    @Nullable EventLoopGroup eventLoopGroup;
    /** Whether the connector answers the hub's "reconnect elsewhere"; off only in tests of older agents. */
    boolean answersReconnectRequests = true;

    TunnelConnectorBuilder() {
    }

    /** {@code tcp://host:port} (plaintext) or {@code tls://host:port}. */
    public TunnelConnectorBuilder hubUri(URI value) {
        hub = HubAddress.hub(Objects.requireNonNull(value, "hubUri"));
        return this;
    }

    /** Client TLS context (trust anchors; a key for mTLS). Required for {@code tls://}. */
    public TunnelConnectorBuilder sslContext(@Nullable SslContext value) {
        if (value != null && !value.isClient()) {
            throw new IllegalArgumentException("sslContext: server context (expected: a client SslContext)");
        }
        sslContext = value == null ? null : () -> value;
        return this;
    }

    /**
     * Client TLS context looked up afresh for every connection, for credentials that change while
     * the agent runs (a renewed certificate); call {@link TunnelConnector#refresh()} to use new
     * ones at once. Replaces {@link #sslContext(SslContext)}.
     */
    public TunnelConnectorBuilder sslContextSupplier(Supplier<SslContext> value) {
        sslContext = Objects.requireNonNull(value, "sslContextSupplier");
        return this;
    }

    /** Name for SNI and certificate verification when it differs from the hub URI's host. */
    public TunnelConnectorBuilder tlsServerName(@Nullable String value) {
        tlsServerName = value;
        return this;
    }

    /** The agent's API key ({@code chk_<agent id>_<secret>}), sent as a Bearer token. */
    public TunnelConnectorBuilder apiKey(@Nullable String value) {
        if (value != null && !HeaderValues.isToken68(value, 1024)) {
            throw new IllegalArgumentException("apiKey: " + value.length()
                    + " chars (expected: a token68 of at most 1024 characters)");
        }
        apiKey = value;
        return this;
    }

    /** Sent as {@value TunnelProtocol#AGENT_VERSION_HEADER} (1 to 64 printable characters). */
    public TunnelConnectorBuilder agentVersion(String value) {
        if (!HeaderValues.isPrintable(value, 64)) {
            throw new IllegalArgumentException("agentVersion: \"" + value + "\" (expected: 1 to 64 printable characters)");
        }
        agentVersion = value;
        return this;
    }

    /**
     * What the agent says about where it runs, asked before every connection attempt (so a backend
     * version learnt later is sent at the next reconnect) and sent in optional headers
     * ({@link AgentDescription}); nothing by default. The supplier must not block.
     */
    public TunnelConnectorBuilder description(Supplier<AgentDescription> value) {
        description = Objects.requireNonNull(value, "description");
        return this;
    }

    /** HTTP CONNECT proxy, {@code http://[user:password@]host:port}; null for a direct connection. */
    public TunnelConnectorBuilder proxy(@Nullable URI value) {
        return proxy(value == null ? null : HttpProxy.of(value));
    }

    /** HTTP CONNECT proxy; null for a direct connection. */
    public TunnelConnectorBuilder proxy(@Nullable HttpProxy value) {
        proxy = value == null ? null : value.address;
        return this;
    }

    /** The proxy from {@code HTTPS_PROXY} (or {@code https_proxy}) in {@code environment}, if set. */
    public TunnelConnectorBuilder proxyFromEnvironment(Map<String, String> environment) {
        return proxy(HttpProxy.fromEnvironment(environment));
    }

    /** Makes the handler of each stream the hub opens. */
    /**
     * Tests only: a connector that leaves {@value TunnelProtocol#RECONNECT_PATH} to the stream
     * handler factory, as agents from before the message do.
     */
    TunnelConnectorBuilder withoutReconnectRequests() {
        answersReconnectRequests = false;
        return this;
    }

    public TunnelConnectorBuilder streamHandlerFactory(IncomingStreamHandlerFactory value) {
        streams = Objects.requireNonNull(value, "streamHandlerFactory");
        return this;
    }

    public TunnelConnectorBuilder ticketStore(TicketStore value) {
        ticketStore = Objects.requireNonNull(value, "ticketStore");
        return this;
    }

    public TunnelConnectorBuilder listener(ConnectorListener value) {
        listener = Objects.requireNonNull(value, "listener");
        return this;
    }

    /** HTTP/2 limits the agent advertises and enforces, and the handshake timeout. */
    public TunnelConnectorBuilder limits(TunnelLimits value) {
        limits = Objects.requireNonNull(value, "limits");
        return this;
    }

    /**
     * Delays between reconnect attempts, retry {@code n} being the {@code n}-th consecutive failure
     * counted from 0, and the time spent failing measured since the first failure after the last
     * session opened; default {@link #DEFAULT_BACKOFF}.
     */
    public TunnelConnectorBuilder backoff(Backoff value) {
        backoff = Objects.requireNonNull(value, "backoff");
        return this;
    }

    /** How long a session must stay up to reset the count of failures; default 60 s. */
    public TunnelConnectorBuilder healthyAfter(Duration value) {
        healthyAfter = Checks.positive("healthyAfter", value);
        return this;
    }

    /**
     * Spread of reconnects after a draining GOAWAY (uniform in {@code [0, value)}) and on top of a
     * Retry-After; default 1 s, zero for none.
     */
    public TunnelConnectorBuilder drainJitter(Duration value) {
        drainJitter = Checks.notNegative("drainJitter", value);
        return this;
    }

    /** Source of backoff and drain jitter (seeded or fixed in tests). */
    public TunnelConnectorBuilder random(RandomGenerator value) {
        random = Objects.requireNonNull(value, "random");
        return this;
    }

    /** Monotonic time for the healthy-session reset (fake in tests). */
    public TunnelConnectorBuilder ticker(Ticker value) {
        ticker = Objects.requireNonNull(value, "ticker");
        return this;
    }

    /** Run on a caller-owned group (not shut down by {@link TunnelConnector#stop()}). */
    public TunnelConnectorBuilder eventLoopGroup(@Nullable EventLoopGroup value) {
        eventLoopGroup = value;
        return this;
    }

    public TunnelConnector build() {
        if (hub == null) {
            throw new IllegalStateException("hubUri: not set (expected: tcp://host:port or tls://host:port)");
        }
        if (agentVersion == null) {
            throw new IllegalStateException("agentVersion: not set");
        }
        if (streams == null) {
            throw new IllegalStateException("streamHandlerFactory: not set");
        }
        if (hub.tls() && sslContext == null) {
            throw new IllegalStateException("sslContext: not set (expected: a client SslContext for " + hub + ")");
        }
        if (!hub.tls() && sslContext != null) {
            throw new IllegalStateException("sslContext: set for plaintext " + hub + " (expected: a tls:// hub URI)");
        }
        if (apiKey == null && sslContext == null) {
            throw new IllegalStateException("apiKey: not set (expected: an API key, or mTLS)");
        }
        return new TunnelConnector(this);
    }
}
