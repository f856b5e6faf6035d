package io.codehub.tunnel;

import static io.codehub.tunnel.TunnelTestKit.WAIT;
import static io.codehub.tunnel.TunnelTestKit.awaitSession;
import static io.codehub.tunnel.TunnelTestKit.connector;
import static io.codehub.tunnel.TunnelTestKit.echo;
import static io.codehub.tunnel.TunnelTestKit.held;
import static io.codehub.tunnel.TunnelTestKit.post;
import static io.codehub.tunnel.TunnelTestKit.server;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.codehub.tunnel.TunnelTestKit.Collector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * "Reconnect elsewhere" over real loopback sockets: two hubs behind a small TCP balancer, one agent.
 * Hub A drains with {@link TunnelServer#drainElsewhere}; the agent opens its new session on hub B
 * before it closes the one on A, a call in flight on A finishes, and calls made all along (each on
 * whichever hub holds the agent's active session) never fail. An agent from before the message
 * answers it 404 and is drained with GOAWAY {@code draining} as before.
 */
@Timeout(90)
class ReconnectElsewhereIT {

    private static final String AGENT = "agent-1";
    private static final Duration MOVE_GRACE = Duration.ofSeconds(20);
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(10);
    private static final int MAX_CALLS = 5_000;
    private static final int MAX_TRIES = 5;

    private final List<TunnelServer> servers = new ArrayList<>();
    private final List<TunnelConnector> agents = new ArrayList<>();
    private final List<AutoCloseable> others = new ArrayList<>();
    /** Hub events in the order they happened: {@code a-open}, {@code b-open}, {@code a-closed:moved}, ... */
    private final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
    private final AtomicInteger refusedByA = new AtomicInteger();

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

    private TunnelServer startHub(String name) throws Exception {
        TunnelServer hub = server("hub-" + name).listener(new TunnelListener() {
            @Override
            public void sessionOpened(TunnelSession session) {
                events.add(name + "-open");
            }

            @Override
            public void sessionClosed(TunnelSession session, CloseReason reason, @Nullable Throwable cause) {
                events.add(name + "-closed:" + reason.wire());
            }

            @Override
            public void handshakeRejected(SocketAddress remoteAddress, HandshakeProblem problem, String detail) {
                if ("a".equals(name)) {
                    refusedByA.incrementAndGet();
                }
            }
        }).build();
        servers.add(hub);
        hub.start().get(10, TimeUnit.SECONDS);
        return hub;
    }

    /** The agent's streams: {@code /slow} is held for the test to answer, everything else echoed. */
    private static IncomingStreamHandlerFactory slowOrEcho(CompletableFuture<TunnelStream> slow) {
        IncomingStreamHandlerFactory echo = echo();
        IncomingStreamHandlerFactory held = held(slow);
        return (stream, headers, endStream) -> "/slow".contentEquals(headers.path())
                ? held.newHandler(stream, headers, endStream)
                : echo.newHandler(stream, headers, endStream);
    }

    @Test
    void theAgentMovesToAnotherHubBeforeLeavingAndNoCallFails() throws Exception {
        TunnelServer a = startHub("a");
        TunnelServer b = startHub("b");
        LoopbackBalancer balancer = new LoopbackBalancer(a.localAddress());
        others.add(balancer);
        CompletableFuture<TunnelStream> slow = new CompletableFuture<>();
        TunnelConnector agent = connector(balancer.address(), AGENT, slowOrEcho(slow)).build();
        agents.add(agent);
        agent.start();
        TunnelSession onA = awaitSession(a, AGENT);

        Collector inFlight = new Collector();
        TunnelStream longCall = onA.openStream(inFlight).get(10, TimeUnit.SECONDS);
        inFlight.attach(longCall);
        longCall.writeHeaders(post("/slow"), true);
        TunnelStream agentSide = slow.get(10, TimeUnit.SECONDS);

        Calls calls = new Calls(a, b);
        Thread caller = new Thread(calls, "test-calls");
        caller.start();
        await().atMost(WAIT).until(() -> calls.onA.get() >= 20);

        // The balancer still sends new connections to A for a while: A refuses them (503, short
        // Retry-After) and the agent tries again while its session on A serves on.
        CompletableFuture<Void> drained = a.drainElsewhere(MOVE_GRACE, CLOSE_GRACE);
        await().atMost(WAIT).until(() -> refusedByA.get() >= 1);
        assertThat(onA.closeFuture()).as("the session on A serves while the agent cannot move").isNotDone();
        int callsBeforeMove = calls.onA.get();
        await().atMost(WAIT).until(() -> calls.onA.get() > callsBeforeMove + 5);
        balancer.routeTo(b.localAddress());

        TunnelSession onB = awaitSession(b, AGENT);
        assertThat(onB.isActive()).isTrue();
        await().atMost(WAIT).until(() -> calls.onB.get() >= 20);
        assertThat(onA.closeFuture()).as("the call in flight holds the session on A").isNotDone();
        assertThat(onA.isActive()).as("A opens no new stream once the agent said GOAWAY moved").isFalse();
        assertThat(agent.currentSession()).isNotNull()
                .extracting(HubSessionInfo::hubId).isEqualTo("hub-b");

        agentSide.writeHeaders(new DefaultHttp2Headers().status("200"), false);
        agentSide.writeData(Unpooled.copiedBuffer("done", StandardCharsets.UTF_8), true);
        assertThat(inFlight.body.get(10, TimeUnit.SECONDS)).as("the call in flight on A finished").isEqualTo(4L);
        onA.closeFuture().get(10, TimeUnit.SECONDS);
        drained.get(10, TimeUnit.SECONDS);

        calls.stop();
        caller.join(TimeUnit.SECONDS.toMillis(20));
        assertThat(calls.failures).as("calls that failed").isEmpty();
        assertThat(List.copyOf(events)).as("B's session opened before A's closed, which the agent moved")
                .containsSubsequence("a-open", "b-open", "a-closed:moved")
                .doesNotContain("b-closed:replaced", "a-closed:hub-shutdown");
        assertThat(b.session(AGENT)).get().isSameAs(onB);
        assertThat(onB.isActive()).as("the new session stays").isTrue();
    }

    @Test
    void anAgentThatFindsNoOtherHubServesOnUntilTheMoveGraceThenIsDrainedWithGoAway() throws Exception {
        TunnelServer a = startHub("a");
        TunnelServer b = startHub("b");
        LoopbackBalancer balancer = new LoopbackBalancer(a.localAddress());
        others.add(balancer);
        TunnelConnector agent = connector(balancer.address(), AGENT, echo()).build();
        agents.add(agent);
        agent.start();
        TunnelSession onA = awaitSession(a, AGENT);

        CompletableFuture<Void> drained = a.drainElsewhere(Duration.ofSeconds(6), CLOSE_GRACE);

        await().atMost(WAIT).until(() -> refusedByA.get() >= 2);
        assertThat(onA.closeFuture()).as("refused twice, the agent still has its session on A").isNotDone();
        assertThat(agent.currentSession()).isNotNull().extracting(HubSessionInfo::hubId).isEqualTo("hub-a");
        drained.get(10, TimeUnit.SECONDS);
        assertThat(List.copyOf(events)).as("drained with GOAWAY at the move grace").contains("a-closed:hub-shutdown");

        balancer.routeTo(b.localAddress());
        awaitSession(b, AGENT);
        await().atMost(WAIT).until(() -> agent.currentSession() != null
                && "hub-b".equals(agent.currentSession().hubId()));
    }

    @Test
    void anAgentFromBeforeTheMessageIsDrainedWithGoAway() throws Exception {
        TunnelServer a = startHub("a");
        TunnelServer b = startHub("b");
        LoopbackBalancer balancer = new LoopbackBalancer(a.localAddress());
        others.add(balancer);
        AtomicInteger notFound = new AtomicInteger();
        IncomingStreamHandlerFactory echo = echo();
        IncomingStreamHandlerFactory agentApi = (stream, headers, endStream) -> {
            if (!"/v1/tunnel/reconnect".contentEquals(headers.path())) {
                return echo.newHandler(stream, headers, endStream);
            }
            notFound.incrementAndGet();
            stream.writeHeaders(new DefaultHttp2Headers().status("404"), true);
            return echo.newHandler(stream, headers, true);
        };
        TunnelConnector agent = connector(balancer.address(), AGENT, agentApi).withoutReconnectRequests().build();
        agents.add(agent);
        agent.start();
        TunnelSession onA = awaitSession(a, AGENT);
        balancer.routeTo(b.localAddress());

        long start = System.nanoTime();
        CompletableFuture<Void> drained = a.drainElsewhere(MOVE_GRACE, CLOSE_GRACE);

        onA.closeFuture().get(10, TimeUnit.SECONDS);
        drained.get(10, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not held for the move grace")
                .isLessThan(MOVE_GRACE.dividedBy(2));
        assertThat(notFound.get()).as("the agent's API answered the request").isEqualTo(1);
        assertThat(List.copyOf(events)).contains("a-closed:hub-shutdown");
        TunnelSession onB = awaitSession(b, AGENT);
        Collector call = new Collector();
        TunnelStream stream = onB.openStream(call).get(10, TimeUnit.SECONDS);
        call.attach(stream);
        stream.writeHeaders(post("/echo"), false);
        stream.writeData(Unpooled.wrappedBuffer(new byte[100]), true);
        assertThat(call.body.get(10, TimeUnit.SECONDS)).isEqualTo(100L);
    }

    /**
     * Echo calls one after another, each on whichever hub holds the agent's active session (B once
     * it has one), as the hub's callers pick a session. A call the agent provably never processed
     * (refused by a GOAWAY) is tried again, as {@code RemoteRuntime} does; any other failure counts.
     */
    private static final class Calls implements Runnable {
        final TunnelServer a;
        final TunnelServer b;
        final AtomicInteger onA = new AtomicInteger();
        final AtomicInteger onB = new AtomicInteger();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean stopped = new AtomicBoolean();

        Calls(TunnelServer a, TunnelServer b) {
            this.a = a;
            this.b = b;
        }

        void stop() {
            stopped.set(true);
        }

        @Override
        public void run() {
            for (int i = 0; i < MAX_CALLS && !stopped.get(); i++) {
                String failure = call(i);
                if (failure != null) {
                    failures.add(failure);
                }
            }
        }

        private @Nullable String call(int index) {
            Throwable last = null;
            for (int attempt = 0; attempt < MAX_TRIES; attempt++) {
                TunnelSession session = b.session(AGENT).filter(TunnelSession::isActive).orElse(null);
                AtomicInteger counter = onB;
                if (session == null) {
                    session = a.session(AGENT).filter(TunnelSession::isActive).orElse(null);
                    counter = onA;
                }
                if (session == null) {
                    return "call " + index + ": no active session on either hub";
                }
                try {
                    EchoCall response = new EchoCall();
                    TunnelStream stream = session.openStream(response).get(10, TimeUnit.SECONDS);
                    response.stream = stream;
                    stream.request(1);
                    stream.writeHeaders(post("/echo"), false);
                    stream.writeData(Unpooled.wrappedBuffer(new byte[1024]), true);
                    long bytes = response.body.get(10, TimeUnit.SECONDS);
                    if (bytes != 1024) {
                        return "call " + index + ": " + bytes + " bytes back";
                    }
                    counter.incrementAndGet();
                    return null;
                } catch (ExecutionException e) {
                    last = e.getCause();
                    if (!(last instanceof TunnelException t && t.isUnprocessed())) {
                        return "call " + index + " on " + session + ": " + last;
                    }
                } catch (Exception e) {
                    return "call " + index + " on " + session + ": " + e;
                }
            }
            return "call " + index + ": unprocessed " + MAX_TRIES + " times, last " + last;
        }
    }

    /** Hub side of one echo call: counts the body; fails with the stream's typed error. */
    private static final class EchoCall implements TunnelStreamHandler {
        final CompletableFuture<Long> body = new CompletableFuture<>();
        volatile @Nullable TunnelStream stream;
        private long bytes;

        @Override
        public void onHeaders(Http2Headers headers, boolean endStream) {
            if (endStream) {
                body.complete(bytes);
            } else {
                more();
            }
        }

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            bytes += data.readableBytes();
            data.release();
            if (endStream) {
                body.complete(bytes);
            } else {
                more();
            }
        }

        @Override
        public void onStreamError(TunnelStreamException error) {
            body.completeExceptionally(error);
        }

        @Override
        public void onClosed() {
            body.completeExceptionally(new TunnelException("closed before the end of the body"));
        }

        private void more() {
            TunnelStream s = stream;
            if (s != null) {
                s.request(1);
            }
        }
    }
}
