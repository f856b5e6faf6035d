package io.codehub.tunnel;

import static io.codehub.tunnel.TunnelTestKit.WAIT;
import static io.codehub.tunnel.TunnelTestKit.awaitSession;
import static io.codehub.tunnel.TunnelTestKit.connector;
import static io.codehub.tunnel.TunnelTestKit.held;
import static io.codehub.tunnel.TunnelTestKit.post;
import static io.codehub.tunnel.TunnelTestKit.server;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.codehub.tunnel.TunnelTestKit.Collector;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The three graceful closes of a session over real loopback sockets: the hub drains, a newer
 * session of the agent replaces it, the agent shuts down. Each lets a call in flight finish,
 * refuses a stream opened after its GOAWAY, and closes the connection at the grace deadline even
 * when a stream never finishes.
 */
@ExtendWith(NoBufferLeaks.class)
@Timeout(60)
class GracefulCloseIT {

    private static final Duration SHORT_GRACE = Duration.ofMillis(500);
    private static final Duration LONG_GRACE = Duration.ofSeconds(30);

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

    /** How a session is closed gracefully. */
    enum Close {
        /** {@link TunnelServer#drain(Duration)}: GOAWAY {@code draining} from the hub. */
        DRAIN,
        /** {@link TunnelConnector#refresh()}: a new session; the hub sends GOAWAY {@code replaced} on the old one. */
        REPLACE,
        /** {@link TunnelConnector#stop(Duration)}: GOAWAY {@code closed} from the agent. */
        SHUTDOWN
    }

    /** One agent connected to one hub, each of whose streams the agent holds until the test answers. */
    private final class Setup {
        final TunnelServer server;
        final TunnelConnector agent;
        final TunnelSession session;
        final Collector inFlight;
        final TunnelStream agentSide;

        Setup(Duration grace) throws Exception {
            server = server("hub").replacedSessionGrace(grace).build();
            servers.add(server);
            server.start().get(10, TimeUnit.SECONDS);
            CompletableFuture<TunnelStream> first = new CompletableFuture<>();
            agent = connector(server.localAddress(), "agent-1", held(first)).build();
            agents.add(agent);
            agent.start();
            session = awaitSession(server, "agent-1");
            inFlight = new Collector();
            TunnelStream stream = session.openStream(inFlight).get(10, TimeUnit.SECONDS);
            inFlight.attach(stream);
            stream.writeHeaders(post("/slow"), true);
            agentSide = first.get(10, TimeUnit.SECONDS);
        }

        /** Starts the close; completes when whatever was asked to close reports it closed. */
        CompletableFuture<?> close(Close how, Duration grace) throws Exception {
            return switch (how) {
                case DRAIN -> server.drain(grace);
                case REPLACE -> {
                    HubSessionInfo fresh = agent.refresh().get(10, TimeUnit.SECONDS);
                    assertThat(fresh.sessionId()).isNotEqualTo(session.sessionId());
                    yield session.closeFuture();
                }
                case SHUTDOWN -> agent.stop(grace);
            };
        }

        void answer() {
            agentSide.writeHeaders(new DefaultHttp2Headers().status("200"), false);
            agentSide.writeData(Unpooled.copiedBuffer("done", StandardCharsets.UTF_8), true);
        }
    }

    @ParameterizedTest
    @EnumSource(Close.class)
    void aCallInFlightFinishesAndAStreamOpenedAfterTheGoAwayIsRefused(Close how) throws Exception {
        Setup setup = new Setup(LONG_GRACE);

        CompletableFuture<?> closed = setup.close(how, LONG_GRACE);

        await().atMost(WAIT).until(() -> !setup.session.isActive());
        assertThat(setup.session.openStream(new Collector())).as("after the GOAWAY no new stream")
                .failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(TunnelException.class);
        assertThat(setup.session.closeFuture()).as("the call in flight holds the connection").isNotDone();
        setup.answer();
        assertThat(setup.inFlight.body.get(10, TimeUnit.SECONDS)).as("the call in flight finished").isEqualTo(4L);
        setup.session.closeFuture().get(10, TimeUnit.SECONDS);
        closed.get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @EnumSource(Close.class)
    void theConnectionClosesAtTheGraceDeadlineWhenAStreamNeverFinishes(Close how) throws Exception {
        Setup setup = new Setup(SHORT_GRACE);
        long[] closedAt = new long[1];
        setup.session.closeFuture().thenRun(() -> closedAt[0] = System.nanoTime());
        long start = System.nanoTime();

        CompletableFuture<?> closed = setup.close(how, SHORT_GRACE);

        closed.get(10, TimeUnit.SECONDS);
        setup.session.closeFuture().get(10, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(closedAt[0] - start);
        assertThat(took).as("held to the grace, then closed").isGreaterThanOrEqualTo(SHORT_GRACE)
                .isLessThan(Duration.ofSeconds(5));
        assertThat(setup.inFlight.body).as("the unfinished call failed").failsWithin(WAIT);
    }

    @Test
    void aResponseTheHubHasNotReadYetOutlivesTheClose() throws Exception {
        EventLoopGroup group = TunnelTransport.newEventLoopGroup(1); // outlives the drained server
        others.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync());
        TunnelServer server = server("hub").eventLoopGroup(group).build();
        servers.add(server);
        server.start().get(10, TimeUnit.SECONDS);
        CompletableFuture<TunnelStream> held = new CompletableFuture<>();
        agents.add(connector(server.localAddress(), "agent-1", held(held)).build());
        agents.get(0).start();
        TunnelSession session = awaitSession(server, "agent-1");
        Collector slowReader = new Collector(false);
        TunnelStream stream = session.openStream(slowReader).get(10, TimeUnit.SECONDS);
        slowReader.attach(stream);
        stream.writeHeaders(post("/slow"), true);
        TunnelStream agentSide = held.get(10, TimeUnit.SECONDS);
        CompletableFuture<Void> drained = server.drain(LONG_GRACE);

        agentSide.writeHeaders(new DefaultHttp2Headers().status("200"), false);
        agentSide.writeData(Unpooled.copiedBuffer("done", StandardCharsets.UTF_8), true);
        // The stream ended on the wire, so the codec closes the connection: the response waits,
        // unread, in the hub's stream.
        drained.get(10, TimeUnit.SECONDS);
        assertThat(slowReader.headers).isNotDone();

        stream.request(3);
        assertThat(slowReader.headers.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("200");
        assertThat(slowReader.body.get(10, TimeUnit.SECONDS)).isEqualTo(4L);
    }
}
