package io.codehub.tunnel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.codehub.base.Checks;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * Agent side of the tunnel: dials the hub (through an HTTP CONNECT proxy if configured), upgrades
 * to {@code codehub-tunnel/1}, serves the streams the hub opens with the configured
 * {@link IncomingStreamHandlerFactory}, and keeps one session up for as long as it runs.
 *
 * <h2>Reconnect</h2>
 * After a failed attempt or a lost session it waits per its backoff (full jitter, reset after
 * a healthy session); a 429/503 Retry-After is honoured; after a GOAWAY
 * {@value TunnelProtocol#GOAWAY_DRAINING} it reconnects within the drain jitter while the old
 * connection finishes its streams. A refused resumption ticket is forgotten and the API key is
 * presented at once.
 *
 * <h2>Reconnect elsewhere (make-before-break)</h2>
 * The hub's {@value TunnelProtocol#RECONNECT_METHOD} {@value TunnelProtocol#RECONNECT_PATH} stream is
 * answered here ({@value TunnelProtocol#RECONNECT_ACCEPTED}), never by the stream handler factory.
 * The connector then dials a new session within the drain jitter while the old one keeps serving
 * every stream; a failed attempt (a 503 from the same draining hub, which the load balancer may still
 * pick) is retried with backoff, honouring Retry-After, for as long as the old session lives. Once the
 * new session is up, on whichever hub, it becomes current and the connector closes the old one itself:
 * GOAWAY {@value TunnelProtocol#GOAWAY_MOVED} (the hub learns the last stream the agent took), then the
 * close when its open streams have ended, {@link #MOVED_SESSION_GRACE} at the latest. Should the old
 * session die first, reconnecting goes on as after any lost session.
 *
 * <h2>Threading</h2>
 * All state lives on one event loop; host names are resolved on a separate thread so DNS never
 * blocks it.
 */
public final class TunnelConnector {

    /**
     * How long the streams still open on a session the agent left for a new one (reconnect elsewhere)
     * may run on before the agent closes its connection.
     */
    public static final Duration MOVED_SESSION_GRACE = Duration.ofSeconds(30);

    private static final System.Logger LOG = System.getLogger(TunnelConnector.class.getName());
    /** How long the thread that looks up the hub's name lives without a lookup. */
    private static final Duration RESOLVER_IDLE = Duration.ofMinutes(1);

    private enum State { NEW, RUNNING, STOPPED }

    private final HubAddress hub;
    private final @Nullable HubAddress proxy;
    private final @Nullable Supplier<SslContext> sslContext;
    private final String tlsServerName;
    private final @Nullable String apiKey;
    private final String agentVersion;
    private final Supplier<AgentDescription> description;
    private final IncomingStreamHandlerFactory streams;
    private final TicketStore ticketStore;
    private final ConnectorListener listener;
    private final TunnelLimits limits;
    private final ReconnectPlanner planner;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final EventLoop loop;
    private final Events events = new Events();
    private final ExecutorService resolver;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final Set<Channel> channels = new HashSet<>();
    private State state = State.NEW;
    private @Nullable ScheduledFuture<?> reconnect;
    private volatile @Nullable HubSessionInfo current;
    /** The connection of {@link #current}; event loop only. */
    private @Nullable Channel currentChannel;
    /** The current session when the hub asked to reconnect elsewhere, until a new one is up; event loop only. */
    private @Nullable HubSessionInfo leaving;
    /** An attempt is under way (from {@link #connect()} to {@link #opened} or {@link #attemptFailed}). */
    private boolean dialling;
    /** Callers of {@link #refresh()} waiting for the next session. */
    private final List<CompletableFuture<HubSessionInfo>> refreshes = new ArrayList<>();

    TunnelConnector(TunnelConnectorBuilder b) {
        this.hub = b.hub;
        this.proxy = b.proxy;
        this.sslContext = b.sslContext;
        this.tlsServerName = b.tlsServerName != null ? b.tlsServerName : b.hub.host();
        this.apiKey = b.apiKey;
        this.agentVersion = b.agentVersion;
        this.description = b.description;
        this.streams = b.answersReconnectRequests ? new ReconnectRequests(b.streams, events::reconnectRequested)
                : b.streams;
        this.ticketStore = b.ticketStore;
        this.listener = b.listener;
        this.limits = b.limits;
        this.planner = new ReconnectPlanner(b.backoff, b.healthyAfter, b.drainJitter, b.random, b.ticker);
        this.ownsGroup = b.eventLoopGroup == null;
        this.group = ownsGroup ? TunnelTransport.newEventLoopGroup(1) : b.eventLoopGroup;
        this.loop = group.next();
        // Started on the first lookup, ended after a minute without one: an agent connected for days
        // holds no thread for a lookup it made once.
        ThreadPoolExecutor lookups = new ThreadPoolExecutor(1, 1, RESOLVER_IDLE.toSeconds(), TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "tunnel-resolver-" + hub.authority());
                    t.setDaemon(true);
                    return t;
                });
        lookups.allowCoreThreadTimeOut(true);
        this.resolver = lookups;
    }

    public static TunnelConnectorBuilder builder() {
        return new TunnelConnectorBuilder();
    }

    /** Starts dialling; from then on the connector keeps a session up until {@link #stop()}. */
    public void start() {
        loop.execute(() -> {
            if (state == State.NEW) {
                state = State.RUNNING;
                connect();
            }
        });
    }

    /** Sends GOAWAY on every connection, closes them and stops reconnecting. */
    public CompletableFuture<Void> stop() {
        return stop(Duration.ZERO);
    }

    /**
     * Stops reconnecting and sends GOAWAY {@value TunnelProtocol#GOAWAY_CLOSED} on every connection,
     * so the hub opens no new streams; the HTTP/2 codec closes each connection once its open streams
     * have finished, or when {@code grace} runs out (at once with a zero grace).
     */
    public CompletableFuture<Void> stop(Duration grace) {
        Checks.notNegative("grace", grace);
        if (stopped.isDone()) {
            return stopped; // stopped before: its own event loop may be gone
        }
        try {
            loop.execute(() -> stopNow(grace));
        } catch (RejectedExecutionException shuttingDown) {
            return stopped; // a stop in progress shuts the loop down; it completes the future
        }
        return stopped;
    }

    private void stopNow(Duration grace) {
        if (state == State.STOPPED) {
            return;
        }
        state = State.STOPPED;
        current = null;
        failRefreshes(new TunnelConnectionException(TunnelConnectionException.Reason.CLOSED, "connector stopped", null));
        if (reconnect != null) {
            reconnect.cancel(false);
        }
        List<CompletableFuture<Void>> closes = new ArrayList<>();
        for (Channel ch : List.copyOf(channels)) {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            ch.closeFuture().addListener(f -> closed.complete(null));
            GracefulClose.start(ch, TunnelProtocol.GOAWAY_CLOSED, grace);
            closes.add(closed);
        }
        CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            resolver.shutdownNow();
            if (ownsGroup) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> stopped.complete(null));
            } else {
                stopped.complete(null);
            }
        });
    }

    /**
     * Dials a new session now, for example after the TLS credentials changed, while the current one
     * keeps serving: the hub replaces the old session, which finishes its open streams, so no call
     * fails. Completes with the new session; if the attempt fails, the current session stays and the
     * future fails. While no session is up it just dials at once.
     */
    public CompletableFuture<HubSessionInfo> refresh() {
        CompletableFuture<HubSessionInfo> result = new CompletableFuture<>();
        loop.execute(() -> {
            if (state != State.RUNNING) {
                result.completeExceptionally(new TunnelConnectionException(TunnelConnectionException.Reason.CLOSED, "refresh: connector is " + state, null));
                return;
            }
            refreshes.add(result);
            if (reconnect != null) {
                reconnect.cancel(false);
            }
            connect();
        });
        return result;
    }

    /** The current session, or null while (re)connecting or after a draining GOAWAY. */
    public @Nullable HubSessionInfo currentSession() {
        return current;
    }

    /** The connection of the current session (null when there is none), read on the event loop; for tests. */
    CompletableFuture<@Nullable Channel> currentChannel() {
        CompletableFuture<@Nullable Channel> channel = new CompletableFuture<>();
        loop.execute(() -> channel.complete(currentChannel));
        return channel;
    }

    public boolean isConnected() {
        return current != null;
    }

    private void connect() {
        reconnect = null;
        if (state != State.RUNNING) {
            return;
        }
        dialling = true;
        String ticket = ticketStore.load();
        HubAddress target = proxy != null ? proxy : hub;
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(target.host());
        if (literal != null) {
            // An IP address needs no lookup: no thread hop (a fleet's worth of connectors in one process
            // retrying a hub that is down would otherwise wake a resolver thread per attempt).
            try {
                InetSocketAddress resolved = new InetSocketAddress(InetAddress.getByAddress(literal), target.port());
                loop.execute(() -> dial(resolved, ticket));
                return;
            } catch (UnknownHostException impossible) {
                throw new IllegalStateException(impossible); // only for an address of a wrong length
            }
        }
        try {
            resolver.execute(() -> {
                try {
                    InetSocketAddress resolved = new InetSocketAddress(InetAddress.getByName(target.host()),
                            target.port());
                    loop.execute(() -> dial(resolved, ticket));
                } catch (UnknownHostException e) {
                    loop.execute(() -> attemptFailed(new TunnelConnectionException(TunnelConnectionException.Reason.CONNECT_FAILED, "resolve " + target, e), ticket != null));
                }
            });
        } catch (RejectedExecutionException stopping) {
            LOG.log(System.Logger.Level.DEBUG, "connector stopping: not dialling {0}", hub);
        }
    }

    /** The agent's description for the next attempt; none when the supplier fails. */
    private AgentDescription describe() {
        try {
            AgentDescription value = description.get();
            return value == null ? AgentDescription.NONE : value;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "the agent description supplier failed", e);
            return AgentDescription.NONE;
        }
    }

    private void dial(InetSocketAddress resolved, @Nullable String ticket) {
        if (state != State.RUNNING) {
            return;
        }
        SslContext ssl;
        try {
            ssl = sslContext == null ? null : java.util.Objects.requireNonNull(sslContext.get(), "sslContextSupplier gave null");
        } catch (RuntimeException e) {
            attemptFailed(new TunnelConnectionException(TunnelConnectionException.Reason.CONNECT_FAILED,
                    "TLS context unavailable: " + e.getMessage(), e), ticket != null);
            return;
        }
        ClientHandshakeHandler handshake = new ClientHandshakeHandler(new ClientHandshakeHandler.Attempt(
                hub.authority(), ticket == null ? apiKey : null, ticket, agentVersion, describe(), limits, streams,
                events));
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(TunnelTransport.socketChannel(loop))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        limits.handshakeTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Http2Pipelines.CONNECTION_WATER_MARK)
                .handler(new AgentChannelInitializer(proxy, resolved, ssl, tlsServerName, hub.port(), handshake));
        SocketAddress remote = resolved;
        if (proxy != null) {
            bootstrap.resolver(NoopAddressResolverGroup.INSTANCE);
            remote = InetSocketAddress.createUnresolved(hub.host(), hub.port());
        }
        boolean[] reported = new boolean[1];
        ChannelFuture connecting = bootstrap.connect(remote);
        Channel channel = connecting.channel();
        channels.add(channel);
        channel.closeFuture().addListener(f -> channels.remove(channel));
        connecting.addListener(f -> {
            if (!f.isSuccess() && !reported[0]) {
                reported[0] = true;
                attemptFailed(new TunnelConnectionException(TunnelConnectionException.Reason.CONNECT_FAILED, "connect to " + (proxy != null
                        ? proxy + " (proxy for " + hub + ")" : hub.toString()) + " failed: " + f.cause(), f.cause()),
                        ticket != null);
            }
        });
        handshake.result().whenComplete((upgraded, error) -> {
            if (reported[0]) {
                return;
            }
            reported[0] = true;
            if (error != null) {
                attemptFailed(error, ticket != null);
            } else {
                opened(channel, upgraded);
            }
        });
    }

    /** Event loop: the handshake on {@code channel} succeeded. Package-private for tests. */
    void opened(Channel channel, ClientHandshakeHandler.Upgraded upgraded) {
        dialling = false;
        if (state != State.RUNNING) {
            channel.close();
            return;
        }
        // The hub issued it whatever becomes of this connection.
        if (upgraded.ticket() != null) {
            ticketStore.store(upgraded.ticket());
        }
        if (!channel.isActive()) {
            // The connection closed while the upgrade completed; its pipeline may have reported the
            // session's end already, before it could become current. Not a session: dial again.
            attemptFailed(new TunnelConnectionException(TunnelConnectionException.Reason.CLOSED, "session "
                    + upgraded.info().sessionId() + " to " + hub + " closed during the upgrade", null), false);
            return;
        }
        planner.sessionOpened();
        HubSessionInfo session = upgraded.info();
        Channel previous = currentChannel;
        HubSessionInfo left = leaving;
        current = session;
        currentChannel = channel;
        leaving = null;
        if (left != null && previous != null && previous != channel) {
            // Make-before-break: the new session serves from now on; the old one finishes its streams.
            LOG.log(System.Logger.Level.INFO, "tunnel session {0} to hub {1} open: closing session {2} to hub {3}, "
                    + "which the hub asked to reconnect elsewhere", session.sessionId(), session.hubId(),
                    left.sessionId(), left.hubId());
            GracefulClose.start(previous, TunnelProtocol.GOAWAY_MOVED, MOVED_SESSION_GRACE);
        }
        // The pipeline reports the end of a session (Events.closed) with its cause; should a failure
        // while the pipeline is torn down keep that report from coming, the channel's close still
        // ends the session a second later, so the connector always dials again.
        channel.closeFuture().addListener(f -> loop.schedule(() -> {
            if (current == session) {
                events.closed(session, new TunnelConnectionException(TunnelConnectionException.Reason.CLOSED,
                        "session " + session.sessionId() + " closed", null));
            }
        }, 1, TimeUnit.SECONDS));
        LOG.log(System.Logger.Level.INFO, "tunnel session {0} to hub {1} at {2} open",
                session.sessionId(), session.hubId(), hub);
        tellListener(() -> listener.sessionOpened(session));
        for (CompletableFuture<HubSessionInfo> waiter : List.copyOf(refreshes)) {
            waiter.complete(session);
        }
        refreshes.clear();
    }

    private void attemptFailed(Throwable cause, boolean usedTicket) {
        dialling = false;
        if (state != State.RUNNING) {
            return;
        }
        Duration delay;
        if (cause instanceof HandshakeRejectedException rejected) {
            if (rejected.status() == 401 && usedTicket && apiKey != null) {
                ticketStore.store(null);
                delay = Duration.ZERO;
            } else {
                delay = planner.afterRejection(rejected.retryAfter());
            }
        } else {
            delay = planner.afterFailure();
        }
        // DEBUG: an agent cut off from its hub would log every attempt; the listener (the agent's
        // connection log) decides what operators see.
        LOG.log(System.Logger.Level.DEBUG, "tunnel to {0} failed ({1}); retrying in {2}", hub, cause.getMessage(), delay);
        failRefreshes(cause);
        if (current != null && current == leaving) {
            // Asked to reconnect elsewhere: try again while the old session keeps serving.
            LOG.log(System.Logger.Level.DEBUG, "new tunnel session to {0} failed ({1}) while moving; the current one "
                    + "serves on, retrying in {2}", hub, cause.getMessage(), delay);
            Duration retryIn = delay;
            tellListener(() -> listener.connectFailed(cause, retryIn));
            scheduleReconnect(delay);
            return;
        }
        if (current != null) {
            // A refresh failed while the session it was to replace still serves: keep that one.
            LOG.log(System.Logger.Level.WARNING, "new tunnel session to {0} failed ({1}); the current one stays",
                    hub, cause.getMessage());
            return;
        }
        Duration retryIn = delay;
        tellListener(() -> listener.connectFailed(cause, retryIn));
        scheduleReconnect(delay);
    }

    private void failRefreshes(Throwable cause) {
        for (CompletableFuture<HubSessionInfo> waiter : List.copyOf(refreshes)) {
            waiter.completeExceptionally(cause);
        }
        refreshes.clear();
    }

    /** Schedules the next attempt unless one is scheduled or under way (its outcome schedules the next). */
    private void scheduleReconnect(Duration delay) {
        if (state == State.RUNNING && reconnect == null && !dialling) {
            reconnect = loop.schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void tellListener(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "ConnectorListener failed", e);
        }
    }

    /** The pipeline's session events, for tests. */
    AgentSessionHandler.Events events() {
        return events;
    }

    /** The connector's event loop, for tests. */
    EventLoop loop() {
        return loop;
    }

    /** Session events of the pipeline; all on {@link #loop}. */
    private final class Events implements AgentSessionHandler.Events {
        @Override
        public void goAway(HubSessionInfo session, String reason) {
            tellListener(() -> listener.goAwayReceived(session, reason));
            if (TunnelProtocol.GOAWAY_DRAINING.equals(reason) && session == current) {
                current = null;
                currentChannel = null;
                leaving = null;
                scheduleReconnect(planner.afterDrain());
            }
        }

        /** The hub asked session {@code sessionId} to reconnect elsewhere (make-before-break). */
        void reconnectRequested(String sessionId) {
            HubSessionInfo session = current;
            if (state != State.RUNNING || session == null || !session.sessionId().equals(sessionId)) {
                return; // not the current session (one being left already, say): nothing to move
            }
            tellListener(() -> listener.reconnectRequested(session));
            if (leaving == session) {
                return;
            }
            leaving = session;
            LOG.log(System.Logger.Level.INFO, "hub {0} asked tunnel session {1} to reconnect elsewhere: dialling {2} "
                    + "while it serves on", session.hubId(), session.sessionId(), hub);
            scheduleReconnect(planner.afterDrain());
        }

        private @Nullable HubSessionInfo lastClosed;

        @Override
        public void closed(HubSessionInfo session, @Nullable Throwable cause) {
            if (session != lastClosed) { // else reported already
                lastClosed = session;
                tellListener(() -> listener.sessionClosed(session, cause));
            }
            // Not behind the de-duplication: a report that came while the session was not current
            // yet must not keep a later one (the close fallback of opened) from ending it.
            if (session == current) {
                current = null;
                currentChannel = null;
                leaving = null;
                scheduleReconnect(planner.afterSessionClosed());
            }
        }
    }

    @Override
    public String toString() {
        return "TunnelConnector{hub=" + hub + (proxy != null ? ", proxy=" + proxy : "")
                + ", session=" + (current == null ? "none" : current.sessionId()) + '}';
    }
}
