package io.codehub.tunnel;

import static io.codehub.tunnel.TunnelTestKit.WAIT;
import static io.codehub.tunnel.TunnelTestKit.awaitSession;
import static io.codehub.tunnel.TunnelTestKit.connector;
import static io.codehub.tunnel.TunnelTestKit.echo;
import static io.codehub.tunnel.TunnelTestKit.held;
import static io.codehub.tunnel.TunnelTestKit.keyAuthenticator;
import static io.codehub.tunnel.TunnelTestKit.post;
import static io.codehub.tunnel.TunnelTestKit.server;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.codehub.base.Backoff;
import io.codehub.base.FixedRandom;
import io.codehub.tunnel.TunnelTestKit.Collector;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Session replacement, drain, resumption tickets, keepalive and proxies over real loopback sockets. */
@ExtendWith(NoBufferLeaks.class)
class SessionLifecycleIT {

    private final List<TunnelServer> servers = new ArrayList<>();
    private final List<TunnelConnector> agents = new ArrayList<>();
    private final List<AutoCloseable> others = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (TunnelConnector agent : agents) {
            agent.stop().get(10, TimeUnit.SECONDS);
        }
        for (TunnelServer server : servers) {
            server.close().get(10, TimeUnit.SECONDS);
        }
        for (AutoCloseable other : others) {
            other.close();
        }
    }

    private TunnelServer started(TunnelServerBuilder builder) throws Exception {
        TunnelServer server = builder.build();
        servers.add(server);
        server.start().get(10, TimeUnit.SECONDS);
        return server;
    }

    private TunnelConnector started(TunnelConnectorBuilder builder) {
        TunnelConnector agent = builder.build();
        agents.add(agent);
        agent.start();
        return agent;
    }

    /** Records what the connector saw. */
    static final class Events implements ConnectorListener {
        final List<String> goAways = new CopyOnWriteArrayList<>();
        final List<HubSessionInfo> opened = new CopyOnWriteArrayList<>();
        final List<HubSessionInfo> closed = new CopyOnWriteArrayList<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();

        @Override
        public void sessionOpened(HubSessionInfo session) {
            opened.add(session);
        }

        @Override
        public void goAwayReceived(HubSessionInfo session, String reason) {
            goAways.add(reason);
        }

        @Override
        public void sessionClosed(HubSessionInfo session, @Nullable Throwable cause) {
            closed.add(session);
        }

        @Override
        public void connectFailed(Throwable cause, Duration retryIn) {
            failures.add(cause);
        }
    }

    @Test
    void aSecondSessionOfTheSameAgentReplacesTheFirstWithGoAway() throws Exception {
        TunnelServer server = started(server("hub"));
        InetSocketAddress address = server.localAddress();
        Events first = new Events();
        // A 30 s backoff drawn at its top (full jitter could otherwise draw ~0 s now and then, and
        // the two would replace each other while this test looks).
        started(connector(address, "agent-1", echo()).listener(first)
                .backoff(Backoff.fixed(Duration.ofSeconds(30)).withFullJitter())
                .drainJitter(Duration.ofSeconds(1))
                .random(FixedRandom.of(FixedRandom.TOP)));
        String firstId = awaitSession(server, "agent-1").sessionId();

        Events second = new Events();
        TunnelConnector replacement = started(connector(address, "agent-1", echo()).listener(second));
        await().atMost(WAIT).until(() -> replacement.isConnected());

        await().atMost(WAIT).until(() -> first.closed.size() == 1);
        assertThat(first.goAways).containsExactly(TunnelProtocol.GOAWAY_REPLACED);
        assertThat(server.session("agent-1")).get().extracting(TunnelSession::sessionId)
                .isNotEqualTo(firstId).isEqualTo(replacement.currentSession().sessionId());
        assertThat(server.sessions()).hasSize(1);
    }

    @Test
    void refreshOpensANewSessionWhileTheReplacedOneFinishesItsInFlightStream() throws Exception {
        TunnelServer server = started(server("hub"));
        CompletableFuture<TunnelStream> slowStream = new CompletableFuture<>();
        IncomingStreamHandlerFactory echo = echo();
        IncomingStreamHandlerFactory streams = (stream, headers, endStream) -> {
            if (!headers.path().toString().equals("/slow")) {
                return echo.newHandler(stream, headers, endStream);
            }
            return held(slowStream).newHandler(stream, headers, endStream);
        };
        Events events = new Events();
        TunnelConnector agent = started(connector(server.localAddress(), "agent-1", streams).listener(events));
        TunnelSession old = awaitSession(server, "agent-1");
        Collector inFlight = new Collector();
        TunnelStream stream = old.openStream(inFlight).get(10, TimeUnit.SECONDS);
        inFlight.attach(stream);
        stream.writeHeaders(post("/slow"), true);
        TunnelStream agentSide = slowStream.get(10, TimeUnit.SECONDS);

        HubSessionInfo fresh = agent.refresh().get(10, TimeUnit.SECONDS);

        assertThat(fresh.sessionId()).isNotEqualTo(old.sessionId());
        assertThat(agent.currentSession()).isSameAs(fresh);
        TunnelSession replacement = server.session("agent-1").orElseThrow();
        assertThat(replacement.sessionId()).isEqualTo(fresh.sessionId());
        await().atMost(WAIT).until(() -> events.goAways.contains(TunnelProtocol.GOAWAY_REPLACED));
        assertThat(old.isActive()).as("the replaced session takes no new streams").isFalse();
        assertThat(old.closeFuture()).as("its in-flight stream keeps it open").isNotDone();

        agentSide.writeHeaders(new DefaultHttp2Headers().status("200"), false);
        agentSide.writeData(Unpooled.copiedBuffer("done", StandardCharsets.UTF_8), true);
        assertThat(inFlight.body.get(10, TimeUnit.SECONDS)).as("the call in flight did not fail").isEqualTo(4L);
        old.closeFuture().get(10, TimeUnit.SECONDS);

        Collector next = new Collector();
        TunnelStream second = replacement.openStream(next).get(10, TimeUnit.SECONDS);
        next.attach(second);
        second.writeHeaders(post("/echo"), false);
        second.writeData(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8), true);
        assertThat(next.body.get(10, TimeUnit.SECONDS)).isEqualTo(5L);
        assertThat(agent.currentSession()).as("the replaced session's end is no reason to reconnect").isSameAs(fresh);
        assertThat(events.opened).hasSize(2);
    }

    @Test
    void stoppingWithAGraceLetsTheCallInFlightFinishAndTakesNoNewOne() throws Exception {
        TunnelServer server = started(server("hub"));
        CompletableFuture<TunnelStream> slowStream = new CompletableFuture<>();
        TunnelConnector agent = started(connector(server.localAddress(), "agent-1", held(slowStream)));
        TunnelSession session = awaitSession(server, "agent-1");
        Collector inFlight = new Collector();
        TunnelStream stream = session.openStream(inFlight).get(10, TimeUnit.SECONDS);
        inFlight.attach(stream);
        stream.writeHeaders(post("/slow"), true);
        TunnelStream agentSide = slowStream.get(10, TimeUnit.SECONDS);

        CompletableFuture<Void> stopped = agent.stop(Duration.ofSeconds(20));

        await().atMost(WAIT).until(() -> !session.isActive());
        assertThat(session.openStream(new Collector())).as("GOAWAY: no new streams")
                .failsWithin(WAIT).withThrowableOfType(java.util.concurrent.ExecutionException.class);
        assertThat(stopped).as("the call in flight holds the stop").isNotDone();
        agentSide.writeHeaders(new DefaultHttp2Headers().status("200"), false);
        agentSide.writeData(Unpooled.copiedBuffer("done", StandardCharsets.UTF_8), true);
        assertThat(inFlight.body.get(10, TimeUnit.SECONDS)).isEqualTo(4L);
        stopped.get(10, TimeUnit.SECONDS);
        session.closeFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aRefreshTheHubRefusesKeepsTheCurrentSession() throws Exception {
        AtomicBoolean refuse = new AtomicBoolean();
        TunnelAuthenticator keys = TunnelTestKit.keyAuthenticator();
        TunnelServer server = started(server("hub").authenticator(request -> refuse.get()
                ? CompletableFuture.completedFuture(AuthDecision.reject(403, "certificate revoked", null))
                : keys.authenticate(request)));
        Events events = new Events();
        TunnelConnector agent = started(connector(server.localAddress(), "agent-1", echo()).listener(events));
        TunnelSession current = awaitSession(server, "agent-1");
        HubSessionInfo before = agent.currentSession();
        refuse.set(true);

        CompletableFuture<HubSessionInfo> refresh = agent.refresh();

        assertThat(refresh).failsWithin(WAIT).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(HandshakeRejectedException.class);
        assertThat(agent.currentSession()).isSameAs(before);
        assertThat(current.isActive()).isTrue();
        Collector answer = new Collector();
        TunnelStream stream = current.openStream(answer).get(10, TimeUnit.SECONDS);
        answer.attach(stream);
        stream.writeHeaders(post("/echo"), false);
        stream.writeData(Unpooled.copiedBuffer("still here", StandardCharsets.UTF_8), true);
        assertThat(answer.body.get(10, TimeUnit.SECONDS)).isEqualTo(10L);
    }

    @Test
    void drainSendsGoAwayLetsTheInFlightStreamFinishAndTheAgentMovesOn() throws Exception {
        TunnelServer hubA = started(server("hub-a").unavailableRetryAfter(Duration.ofSeconds(1)));
        InetSocketAddress address = hubA.localAddress();
        CompletableFuture<TunnelStream> slowStream = new CompletableFuture<>();
        IncomingStreamHandlerFactory slow = held(slowStream);
        Events events = new Events();
        TunnelConnector agent = started(connector(address, "agent-1", slow).listener(events));
        TunnelSession session = awaitSession(hubA, "agent-1");
        Collector answer = new Collector();
        TunnelStream stream = session.openStream(answer).get(10, TimeUnit.SECONDS);
        answer.attach(stream);
        stream.writeHeaders(post("/slow"), true);
        TunnelStream agentSide = slowStream.get(10, TimeUnit.SECONDS);

        CompletableFuture<Void> drained = hubA.drain(Duration.ofSeconds(15));
        await().atMost(WAIT).until(() -> events.goAways.contains(TunnelProtocol.GOAWAY_DRAINING));
        assertThat(session.isActive()).as("no new streams on a draining session").isFalse();
        await().atMost(WAIT).until(() -> events.failures.stream().anyMatch(f ->
                f instanceof HandshakeRejectedException r && r.status() == 503));
        assertThat(drained).as("the in-flight stream holds the drain").isNotDone();

        agentSide.writeHeaders(new DefaultHttp2Headers().status("200"), false);
        agentSide.writeData(Unpooled.copiedBuffer("done", StandardCharsets.UTF_8), true);
        assertThat(answer.body.get(10, TimeUnit.SECONDS)).isEqualTo(4L);
        drained.get(10, TimeUnit.SECONDS);

        TunnelServer hubB = started(server("hub-b").bindAddress(address));
        await().atMost(WAIT).until(() -> agent.currentSession() != null
                && agent.currentSession().hubId().equals("hub-b"));
        assertThat(hubB.session("agent-1")).isPresent();
    }

    @Test
    void reconnectsWithTheResumptionTicketAndFallsBackToTheKeyWhenItIsRefused() throws Exception {
        List<HandshakeRequest> handshakes = new CopyOnWriteArrayList<>();
        TunnelAuthenticator recording = request -> {
            handshakes.add(request);
            return keyAuthenticator().authenticate(request);
        };
        TunnelServer server = started(server("hub").authenticator(recording));
        TicketStore tickets = TicketStore.inMemory();
        tickets.store("stale-ticket");
        started(connector(server.localAddress(), "agent-1", echo()).ticketStore(tickets));

        TunnelSession first = awaitSession(server, "agent-1");
        assertThat(handshakes).extracting(HandshakeRequest::resumptionTicket).startsWith("stale-ticket", null);
        assertThat(handshakes.get(1).apiKey()).isEqualTo(TunnelTestKit.apiKey("agent-1"));
        assertThat(tickets.load()).isEqualTo("ticket-agent-1");

        first.close(TunnelProtocol.GOAWAY_CLOSED).get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> server.session("agent-1").filter(s -> s != first).isPresent());
        HandshakeRequest resumed = handshakes.get(handshakes.size() - 1);
        assertThat(resumed.resumptionTicket()).isEqualTo("ticket-agent-1");
        assertThat(resumed.apiKey()).isNull();
    }

    @Test
    void keepaliveMeasuresRttWithAnAuthenticatorCompletingOnAnotherThread() throws Exception {
        ExecutorService bcrypt = Executors.newSingleThreadExecutor();
        others.add(bcrypt::shutdownNow);
        TunnelAuthenticator offLoop = request -> CompletableFuture.supplyAsync(
                () -> keyAuthenticator().authenticate(request).toCompletableFuture().join(), bcrypt);
        TunnelServer server = started(server("hub").authenticator(offLoop)
                .keepalive(new Keepalive(Duration.ofSeconds(1), Duration.ofMillis(800))));
        started(connector(server.localAddress(), "agent-1", echo()));

        TunnelSession session = awaitSession(server, "agent-1");
        await().atMost(WAIT).until(() -> session.lastRtt() != null);
        assertThat(session.lastRtt()).isPositive().isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void theAgentsKernelProbesAPathQuietForFiveSecondsWhateverThePingInterval() throws Exception {
        TunnelServer slow = started(server("hub-slow")); // the default: a PING every 15 s
        TunnelConnector first = started(connector(slow.localAddress(), "agent-1", echo()));
        awaitSession(slow, "agent-1");
        await().atMost(WAIT).until(() -> first.currentSession() != null);
        assertThat(first.currentSession().keepaliveInterval()).isEqualTo(Duration.ofSeconds(15));
        Channel channel = first.currentChannel().get(10, TimeUnit.SECONDS);
        assertThat(channel.config().getOption(EpollChannelOption.TCP_KEEPIDLE)).as("probes after 5 s, not 15")
                .isEqualTo(5);
        assertThat(channel.config().getOption(EpollChannelOption.TCP_USER_TIMEOUT)).isEqualTo(8_000);

        TunnelServer fast = started(server("hub-fast").keepalive(Keepalive.withInterval(Duration.ofSeconds(2))));
        TunnelConnector second = started(connector(fast.localAddress(), "agent-2", echo()));
        awaitSession(fast, "agent-2");
        await().atMost(WAIT).until(() -> second.currentSession() != null);
        assertThat(second.currentChannel().get(10, TimeUnit.SECONDS).config().getOption(EpollChannelOption.TCP_KEEPIDLE))
                .as("a hub that PINGs more often than every 5 s: probes after one interval").isEqualTo(2);
    }

    @Test
    void aHalfOpenPathIsDetectedByBothSidesAndTheAgentComesBack() throws Exception {
        List<Throwable> hubSaw = new CopyOnWriteArrayList<>();
        List<CloseReason> reasons = new CopyOnWriteArrayList<>();
        TunnelServer server = started(server("hub")
                .keepalive(new Keepalive(Duration.ofSeconds(1), Duration.ofMillis(500)))
                .listener(new TunnelListener() {
                    @Override
                    public void sessionClosed(TunnelSession session, CloseReason reason, @Nullable Throwable cause) {
                        reasons.add(reason);
                        hubSaw.add(cause == null ? new TunnelException("no cause") : cause);
                    }
                }));
        TestRelay relay = TestRelay.forwarder(server.localAddress());
        others.add(relay);
        Events events = new Events();
        TunnelConnector agent = started(connector(server.localAddress(), "agent-1", echo()).listener(events)
                .hubUri(URI.create("tcp://127.0.0.1:" + relay.port())));
        String firstId = awaitSession(server, "agent-1").sessionId();

        long frozenAt = System.nanoTime();
        relay.freezeCurrentConnections();
        await().atMost(WAIT).until(() -> !hubSaw.isEmpty());
        // The frozen relay still reads (its kernel acknowledges the PING), as a stalled middlebox or
        // a slow agent would: the hub gives it a second ACK timeout before it calls the path dead.
        assertThat(hubSaw.get(0)).hasMessageContaining("no PING ACK within PT1S");
        assertThat(reasons.get(0)).isEqualTo(CloseReason.HALF_OPEN);
        await().atMost(WAIT).until(() -> agent.currentSession() != null
                && !agent.currentSession().sessionId().equals(firstId));
        assertThat(Duration.ofNanos(System.nanoTime() - frozenAt)).as("agent back well within 15 s")
                .isLessThan(Duration.ofSeconds(10));
        assertThat(server.session("agent-1")).isPresent();
    }

    @Test
    void everyEndOfASessionSaysWhy() throws Exception {
        Map<String, CloseReason> reasons = new ConcurrentHashMap<>();
        TunnelServer server = started(server("hub").listener(new TunnelListener() {
            @Override
            public void sessionClosed(TunnelSession session, CloseReason reason, @Nullable Throwable cause) {
                reasons.put(session.sessionId(), reason);
            }
        }));
        TunnelConnector agent = started(connector(server.localAddress(), "agent-1", echo()));

        String first = awaitSession(server, "agent-1").sessionId();
        server.session("agent-1").orElseThrow().close(TunnelProtocol.GOAWAY_CLOSED);
        await().atMost(WAIT).until(() -> reasons.containsKey(first));
        assertThat(reasons.get(first)).isEqualTo(CloseReason.CLOSED_BY_HUB);

        String second = awaitNewSession(server, first);
        server.session("agent-1").orElseThrow().close("certificate-revoked", CloseReason.REVOKED);
        await().atMost(WAIT).until(() -> reasons.containsKey(second));
        assertThat(reasons.get(second)).isEqualTo(CloseReason.REVOKED);

        String third = awaitNewSession(server, second);
        agent.refresh().get(10, TimeUnit.SECONDS); // a new session of the same agent replaces the old one
        await().atMost(WAIT).until(() -> reasons.containsKey(third));
        assertThat(reasons.get(third)).isEqualTo(CloseReason.REPLACED);

        String fourth = awaitNewSession(server, third);
        agent.stop().get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> reasons.containsKey(fourth));
        assertThat(reasons.get(fourth)).isEqualTo(CloseReason.CLOSED_BY_AGENT);

        TunnelConnector other = started(connector(server.localAddress(), "agent-2", echo()));
        String fifth = awaitSession(server, "agent-2").sessionId();
        server.drain(Duration.ofSeconds(1)).get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> reasons.containsKey(fifth));
        assertThat(reasons.get(fifth)).isEqualTo(CloseReason.HUB_SHUTDOWN);
        other.stop().get(10, TimeUnit.SECONDS);
    }

    private static String awaitNewSession(TunnelServer server, String previous) {
        return await().atMost(WAIT).until(() -> server.session("agent-1").map(TunnelSession::sessionId).orElse(previous),
                id -> !id.equals(previous));
    }

    @Test
    void dialsThroughAnHttpConnectProxyFromHttpsProxy() throws Exception {
        TunnelServer server = started(server("hub"));
        TestRelay proxy = TestRelay.connectProxy();
        others.add(proxy);
        started(connector(server.localAddress(), "agent-1", echo())
                .proxyFromEnvironment(java.util.Map.of("HTTPS_PROXY", "http://127.0.0.1:" + proxy.port())));

        TunnelSession session = awaitSession(server, "agent-1");
        assertThat(proxy.connectRequests).containsExactly("CONNECT 127.0.0.1:" + server.localAddress().getPort());
        Collector answer = new Collector();
        TunnelStream stream = session.openStream(answer).get(10, TimeUnit.SECONDS);
        answer.attach(stream);
        stream.writeHeaders(post("/echo"), false);
        stream.writeData(Unpooled.copiedBuffer("through the proxy", StandardCharsets.UTF_8), true);
        assertThat(answer.body.get(10, TimeUnit.SECONDS)).isEqualTo(17L);
    }

    @Test
    void closingTheServerSendsGoAwayClosedAndRefusesNewStreams() throws Exception {
        TunnelServer server = started(server("hub"));
        Events events = new Events();
        started(connector(server.localAddress(), "agent-1", echo()).listener(events));
        TunnelSession session = awaitSession(server, "agent-1");

        server.close().get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> events.closed.size() == 1);
        assertThat(events.goAways).containsExactly(TunnelProtocol.GOAWAY_CLOSED);
        assertThat(session.isActive()).isFalse();
        assertThat(session.closeFuture()).isDone();
        assertThat(session.openStream(new Collector())).failsWithin(Duration.ofSeconds(1))
                .withThrowableThat().withMessageContaining("session closed");
    }
}
