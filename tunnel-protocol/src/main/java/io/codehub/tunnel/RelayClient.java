package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.codehub.base.Checks;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Ticker;
import org.jspecify.annotations.Nullable;

/**
 * Forwarder side of the hub-to-hub relay: one pooled HTTP/2 connection per peer hub (its
 * {@link RelayServer}), and {@link TunnelSession} views that reach an agent through it.
 *
 * <h2>Connections</h2>
 * A peer's connection is opened on the first {@link #session} for it, on an event loop picked
 * then (so {@link TunnelSession#eventLoop()} is known at once), plaintext with prior knowledge
 * (h2c) or over TLS (a client context whose ALPN offers {@code h2}; the name checked against the
 * peer's certificate is the peer address's {@link InetSocketAddress#getHostString() host string}).
 * It sends a PING every {@link Keepalive#interval()} and closes when the ACK is late, so a dead
 * peer is noticed. A connection that closed, or received GOAWAY, is replaced by the next
 * {@link #session} call for that peer.
 *
 * <p>Peers are told apart as {@link InetSocketAddress#equals} does (address and port; the host
 * string is not part of it), so all views of one peer share a connection whatever name they were
 * given, and the TLS name is the one of the view that opened the connection: give every peer one
 * address, made the same way.
 *
 * <h2>Failed connects</h2>
 * A connect that failed (refused, timed out, TLS failed) is remembered for
 * {@link Builder#reconnectBackoff(Duration)}: until then, {@link #session} hands out views of the
 * failed connection, whose {@code openStream} and {@code openConnect} fail at once with an
 * unprocessed {@link TunnelConnectionException} ({@code CONNECT_FAILED}), so a dead peer costs no
 * connect storm. The first call after the backoff dials again.
 *
 * <h2>Views</h2>
 * See {@link #session}. A view is bound to the connection current when it was made; once that
 * connection closes, the view is inactive for good and a new {@link #session} call gives one on
 * the replacement. Views are cheap: make one per call.
 */
public final class RelayClient {

    private final @Nullable SslContext sslContext;
    private final TunnelLimits limits;
    private final Keepalive keepalive;
    private final Duration connectTimeout;
    private final long backoffNanos;
    private final Ticker ticker;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final Map<InetSocketAddress, RelayConnection> connections = new ConcurrentHashMap<>();
    private final AtomicLong connectionIds = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();

    private RelayClient(Builder b) {
        this.sslContext = b.sslContext;
        this.limits = b.limits;
        this.keepalive = b.keepalive;
        this.connectTimeout = b.connectTimeout;
        this.backoffNanos = b.reconnectBackoff.toNanos();
        this.ticker = b.ticker;
        this.ownsGroup = b.eventLoopGroup == null;
        this.group = b.eventLoopGroup == null ? TunnelTransport.newEventLoopGroup(b.ioThreads) : b.eventLoopGroup;
    }

    /** A builder with the defaults listed on each of its methods. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A view of agent {@code agentId} through the peer hub at {@code peer}. Every stream opened
     * through it ({@code openStream} and {@code openConnect}) carries {@code relayHeaders} in its
     * first HEADERS frame, after every {@value RelayServer#HEADER_PREFIX}{@code *} header the caller
     * wrote there was removed (so a header passed through from a client cannot pose as the relay's).
     * Its streams have the semantics of a local session's: {@code AUTO_READ} off, demand-driven
     * {@link TunnelStreamHandler}s, CONNECT byte channels. An unprocessed failure (the connection
     * could not be made or is going away, the peer refused the stream with {@code REFUSED_STREAM}
     * because the agent's tunnel could not take it) may be retried.
     *
     * <p>The rest of the view: {@code agentId} is {@code agentId}; {@code sessionId} is
     * {@code relay:<peer>:<connection number>}; {@code remoteAddress} the peer; {@code isActive}
     * whether the connection is connecting or open and not going away; {@code eventLoop} and
     * {@code closeFuture} the connection's; {@code activeStreams} counts this view's streams;
     * {@code lastRtt} the connection's PING round trip; {@code agentVersion} is empty and
     * {@code peerCertificates} empty (the owner knows them); {@code openedAt} when the view was
     * made. {@code close} does nothing and returns a completed future: the connection is shared,
     * and only the owner hub can close the agent's tunnel.
     *
     * @param relayHeaders headers for the owner hub, e.g. {@value RelayServer#AGENT_HEADER} and
     *     {@value RelayServer#AUTHORIZATION_HEADER} (copied)
     */
    public TunnelSession session(InetSocketAddress peer, String agentId, Http2Headers relayHeaders) {
        Objects.requireNonNull(peer, "peer");
        Checks.notBlank("agentId", agentId);
        Objects.requireNonNull(relayHeaders, "relayHeaders");
        Http2Headers copy = new DefaultHttp2Headers(false, relayHeaders.size());
        copy.add(relayHeaders);
        return new RelayView(connection(peer), agentId, copy, limits);
    }

    private RelayConnection connection(InetSocketAddress peer) {
        if (closed.get()) {
            return RelayConnection.failed(peer, group.next(), "relay client closed");
        }
        long now = ticker.nanoTime();
        RelayConnection[] created = new RelayConnection[1];
        RelayConnection current = connections.compute(peer, (address, existing) -> {
            if (existing != null && existing.reusable(now, backoffNanos)) {
                return existing;
            }
            created[0] = new RelayConnection(address, group.next(), connectionIds.incrementAndGet(), sslContext,
                    limits, keepalive, ticker);
            return created[0];
        });
        RelayConnection fresh = created[0];
        if (fresh != null) {
            fresh.closeFuture().whenComplete((v, e) -> {
                if (fresh.wasReady()) {
                    connections.remove(peer, fresh);
                }
            });
            fresh.connect(group, connectTimeout);
            if (closed.get()) {
                fresh.close();
            }
        }
        return current;
    }

    /** Relay connections held now (open, connecting, or failed and backing off). */
    int connectionCount() {
        return connections.size();
    }

    /** Closes every relay connection (GOAWAY first); completes when all are closed. */
    public CompletableFuture<Void> close() {
        if (!closed.compareAndSet(false, true)) {
            return closedFuture;
        }
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (RelayConnection connection : connections.values()) {
            pending.add(connection.close());
        }
        connections.clear();
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            if (ownsGroup) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> closedFuture.complete(null));
            } else {
                closedFuture.complete(null);
            }
        });
        return closedFuture;
    }

    @Override
    public String toString() {
        return "RelayClient{tls=" + (sslContext != null) + ", connections=" + connections.size() + '}';
    }

    /** Configures a {@link RelayClient}. Every setter validates at once. */
    public static final class Builder {

        private @Nullable SslContext sslContext;
        private TunnelLimits limits = RelayServer.DEFAULT_LIMITS;
        private Keepalive keepalive = Keepalive.RELAY;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration reconnectBackoff = Duration.ofSeconds(1);
        private Ticker ticker = Ticker.systemTicker();
        private @Nullable EventLoopGroup eventLoopGroup;
        private int ioThreads = Math.max(1, Runtime.getRuntime().availableProcessors());

        private Builder() {
        }

        /**
         * TLS to the peers: a client context whose ALPN offers {@code h2} and that trusts the peers'
         * certificates. Null (the default) means plaintext h2c with prior knowledge.
         */
        public Builder sslContext(@Nullable SslContext value) {
            if (value != null && value.isServer()) {
                throw new IllegalArgumentException("sslContext: server context (expected: a client SslContext)");
            }
            sslContext = value;
            return this;
        }

        /** HTTP/2 limits of every relay connection (default {@link RelayServer#DEFAULT_LIMITS}). */
        public Builder limits(TunnelLimits value) {
            limits = Objects.requireNonNull(value, "limits");
            return this;
        }

        /** PING interval and ACK timeout of every relay connection (default {@link Keepalive#RELAY}). */
        public Builder keepalive(Keepalive value) {
            keepalive = Objects.requireNonNull(value, "keepalive");
            return this;
        }

        /** TCP connect timeout (default 5 s); TLS has its own handshake timeout on top (10 s). */
        public Builder connectTimeout(Duration value) {
            connectTimeout = Checks.positive("connectTimeout", value, Duration.ofMillis(Integer.MAX_VALUE));
            return this;
        }

        /** How long a failed connect is remembered before a peer is dialled again (default 1 s). */
        public Builder reconnectBackoff(Duration value) {
            reconnectBackoff = Checks.notNegative("reconnectBackoff", value);
            return this;
        }

        /** The clock of the backoff (tests). */
        Builder ticker(Ticker value) {
            ticker = Objects.requireNonNull(value, "ticker");
            return this;
        }

        /** Runs on this group, which {@link RelayClient#close()} leaves running (default: its own). */
        public Builder eventLoopGroup(@Nullable EventLoopGroup value) {
            eventLoopGroup = value;
            return this;
        }

        /** Threads of the client's own event loop group (default: one per processor). */
        public Builder ioThreads(int value) {
            ioThreads = Checks.positive("ioThreads", value);
            return this;
        }

        /** A client; it opens no connection before the first {@link RelayClient#session}. */
        public RelayClient build() {
            return new RelayClient(this);
        }
    }
}
