package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cap on handshakes from all addresses together over real loopback sockets: at the cap new
 * connections are accepted and wait, before TLS, until a handshake ends, instead of being closed
 * (and their agents backing off); with the waiting queue full the server accepts nothing, and more
 * wait in the listen backlog.
 */
@ExtendWith(NoBufferLeaks.class)
@Timeout(60)
class HandshakeCapIT {

    private final List<TunnelServer> servers = new ArrayList<>();
    private final List<TunnelConnector> agents = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (TunnelConnector agent : agents) {
            agent.stop().get(10, TimeUnit.SECONDS);
        }
        for (Socket socket : sockets) {
            socket.close();
        }
        for (TunnelServer server : servers) {
            server.close().get(10, TimeUnit.SECONDS);
        }
    }

    private TunnelServer server(int maxHandshakes) throws Exception {
        return server(maxHandshakes, TunnelTestKit.keyAuthenticator());
    }

    private TunnelServer server(int maxHandshakes, TunnelAuthenticator authenticator) throws Exception {
        return server(TunnelLimits.builder().maxHandshakes(maxHandshakes).handshakeTimeout(Duration.ofSeconds(2)).build(),
                authenticator);
    }

    private TunnelServer server(TunnelLimits limits, TunnelAuthenticator authenticator) throws Exception {
        TunnelServer server = TunnelTestKit.server("hub-cap")
                .authenticator(authenticator)
                .limits(limits)
                .build();
        servers.add(server);
        server.start().get(10, TimeUnit.SECONDS);
        return server;
    }

    private void agent(InetSocketAddress hub, String agentId) {
        agent(hub, agentId, TunnelLimits.defaults());
    }

    private void agent(InetSocketAddress hub, String agentId, TunnelLimits limits) {
        start(TunnelTestKit.connector(hub, agentId, TunnelTestKit.echo()).limits(limits));
    }

    /** Builds and starts the agent, its failed attempts recorded in {@link #failures}. */
    private void start(TunnelConnectorBuilder agent) {
        TunnelConnector started = agent.listener(new ConnectorListener() {
            @Override
            public void connectFailed(Throwable cause, Duration retryIn) {
                failures.add(cause);
            }
        }).build();
        agents.add(started);
        started.start();
    }

    private Socket idle(InetSocketAddress hub) throws Exception {
        Socket socket = new Socket();
        sockets.add(socket);
        socket.connect(hub, 5_000);
        return socket;
    }

    @Test
    void atTheCapAConnectionWaitsForAHandshakeToEndInsteadOfBeingClosed() throws Exception {
        TunnelServer server = server(2);
        InetSocketAddress hub = server.localAddress();
        Socket first = idle(hub);
        idle(hub);
        await().atMost(TunnelTestKit.WAIT).until(() -> server.handshakesInProgress() == 2);

        agent(hub, "queued");
        await().atMost(TunnelTestKit.WAIT).until(() -> server.handshakesWaiting() == 1); // accepted, not in the backlog
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> failures.isEmpty() && server.session("queued").isEmpty());

        first.close(); // a handshake ends: the queued connection is accepted and served
        TunnelTestKit.awaitSession(server, "queued");
        assertThat(failures).as("the agent's connection was never closed or refused").isEmpty();
    }

    @Test
    void aQueuedAgentWaitsLongerThanItsHandshakeTimeoutForTheHubToAccept() throws Exception {
        // The hub's slot is held by an idle socket for the hub's handshake timeout (2 s); the agent's
        // own is 1 s, but until the hub's first byte it waits six of them.
        TunnelServer server = server(1);
        InetSocketAddress hub = server.localAddress();
        idle(hub);
        await().atMost(TunnelTestKit.WAIT).until(() -> server.handshakesInProgress() == 1);
        long start = System.nanoTime();
        agent(hub, "patient", TunnelLimits.builder().handshakeTimeout(Duration.ofSeconds(1)).build());

        TunnelTestKit.awaitSession(server, "patient");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("served after the idle socket's timeout")
                .isGreaterThan(Duration.ofMillis(1_500));
        assertThat(failures).as("no attempt given up while queued").isEmpty();
    }

    @Test
    void aQueuedAgentOverTlsWaitsPastTheTlsLayersOwnTenSecondTimer() throws Exception {
        // Netty's SslHandler gives up on a handshake after 10 s of its own, counted from connect: an
        // agent queued in a busy hub's backlog for longer must still wait for its turn.
        SelfSignedCertificate certificate = SelfSignedCertificate.builder().fqdn("localhost").build();
        try {
            SslContext serverTls = SslContextBuilder.forServer(certificate.key(), certificate.cert()).build();
            TunnelServer server = TunnelTestKit.server("hub-cap-tls").sslContext(serverTls)
                    .limits(TunnelLimits.builder().maxHandshakes(1).handshakeTimeout(Duration.ofSeconds(30)).build())
                    .build();
            servers.add(server);
            InetSocketAddress hub = server.start().get(10, TimeUnit.SECONDS);
            // The hub's one slot: a client that finished TLS and sends no upgrade request.
            SSLContext jdkTls = SSLContext.getInstance("TLS");
            jdkTls.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
            SSLSocket holder = (SSLSocket) jdkTls.getSocketFactory().createSocket("127.0.0.1", hub.getPort());
            sockets.add(holder);
            holder.startHandshake();
            await().atMost(TunnelTestKit.WAIT).until(() -> server.handshakesInProgress() == 1);

            start(TunnelTestKit.connector(hub, "queued-tls", TunnelTestKit.echo())
                    .hubUri(URI.create("tls://127.0.0.1:" + hub.getPort()))
                    .tlsServerName("localhost")
                    .sslContext(SslContextBuilder.forClient().trustManager(certificate.cert()).build())
                    .limits(TunnelLimits.builder().handshakeTimeout(Duration.ofSeconds(5)).build()));
            await().during(Duration.ofSeconds(11)).atMost(Duration.ofSeconds(13))
                    .until(() -> failures.isEmpty() && server.session("queued-tls").isEmpty());

            holder.close(); // the slot frees: the queued connection is accepted and its TLS handshake runs
            TunnelSession session = TunnelTestKit.awaitSession(server, "queued-tls");
            assertThat(failures).as("the queued attempt was never given up").isEmpty();
            // The upgrade request left after TLS, so its Codehub-Agent-Time is not 11 s old when the
            // hub reads it: the hub measures the (same) clock, not the wait in its backlog.
            assertThat(session.agentClockOffset()).isNotNull();
            assertThat(session.agentClockOffset().abs()).isLessThan(Duration.ofSeconds(2));
        } finally {
            certificate.delete();
        }
    }

    @Test
    void aFleetTenTimesTheCapConnectsWithoutAFailedAttempt() throws Exception {
        // Each key check takes 100 ms, so the fleet's handshakes overlap and hold the cap.
        TunnelAuthenticator slow = request -> TunnelTestKit.keyAuthenticator().authenticate(request)
                .thenApplyAsync(decision -> decision, CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS));
        TunnelServer server = server(4, slow);
        InetSocketAddress hub = server.localAddress();
        for (int i = 0; i < 40; i++) {
            agent(hub, "agent-" + i);
        }
        await().atMost(TunnelTestKit.WAIT).until(() -> server.sessions().size() == 40);
        assertThat(failures).isEmpty();
    }

    @Test
    void aConnectionThatWaitedLongerThanTheWaitTimeoutIsClosedUnansweredWhenItsTurnComes() throws Exception {
        TunnelServer server = server(TunnelLimits.builder().maxHandshakes(1).handshakeTimeout(Duration.ofSeconds(2))
                .handshakeWaitTimeout(Duration.ofMillis(500)).build(), TunnelTestKit.keyAuthenticator());
        InetSocketAddress hub = server.localAddress();
        idle(hub); // holds the one slot until the hub's handshake timeout, 2 s
        await().atMost(TunnelTestKit.WAIT).until(() -> server.handshakesInProgress() == 1);
        Socket waiting = idle(hub);
        await().atMost(TunnelTestKit.WAIT).until(() -> server.handshakesWaiting() == 1);

        // Its turn comes after 2 s, past its 500 ms: closed without a byte, no handshake spent on it.
        waiting.setSoTimeout(10_000);
        assertThat(waiting.getInputStream().read()).as("closed unanswered").isEqualTo(-1);
        assertThat(server.handshakesWaiting()).isZero();

        agent(hub, "after"); // the slot it did not take serves the next one
        TunnelTestKit.awaitSession(server, "after");
    }

    @Test
    void withTheWaitingQueueFullTheServerAcceptsNoMoreUntilOneStarts() throws Exception {
        TunnelServer server = server(TunnelLimits.builder().maxHandshakes(1).maxWaitingHandshakes(2)
                .handshakeTimeout(Duration.ofSeconds(30)).build(), TunnelTestKit.keyAuthenticator());
        InetSocketAddress hub = server.localAddress();
        Socket holder = idle(hub);
        await().atMost(TunnelTestKit.WAIT).until(() -> server.handshakesInProgress() == 1);
        idle(hub);
        idle(hub);
        await().atMost(TunnelTestKit.WAIT).until(() -> server.handshakesWaiting() == 2);

        agent(hub, "in-backlog"); // connected by the kernel, not accepted: the queue is full
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> server.handshakesWaiting() == 2 && server.handshakesInProgress() == 1);

        holder.close(); // the first waiting one starts; a place frees and the agent is accepted, to wait
        await().atMost(TunnelTestKit.WAIT).until(() -> server.handshakesWaiting() == 2
                && server.handshakesInProgress() == 1);
        assertThat(server.session("in-backlog")).as("behind two idle sockets that hold its turn").isEmpty();
        for (Socket socket : sockets.subList(1, 3)) {
            socket.close();
        }
        TunnelTestKit.awaitSession(server, "in-backlog");
        assertThat(failures).as("no attempt of the agent failed while it waited").isEmpty();
    }

    @Test
    void oneAddressCannotFillTheWaitingQueueItsWaitingConnectionsCountAgainstItsShare() throws Exception {
        TunnelServer server = server(TunnelLimits.builder().maxHandshakes(1).maxHandshakesPerAddress(3)
                .handshakeTimeout(Duration.ofSeconds(30)).build(), TunnelTestKit.keyAuthenticator());
        InetSocketAddress hub = server.localAddress();
        idle(hub); // holds the one slot
        await().atMost(TunnelTestKit.WAIT).until(() -> server.handshakesInProgress() == 1);
        idle(hub);
        idle(hub);
        await().atMost(TunnelTestKit.WAIT).until(() -> server.handshakesWaiting() == 2);

        // 127.0.0.1 holds its share of three: one in its handshake, two waiting. A fourth is closed at once.
        Socket past = idle(hub);
        past.setSoTimeout(10_000);
        assertThat(past.getInputStream().read()).as("closed at accept, unanswered").isEqualTo(-1);
        assertThat(server.handshakesWaiting()).isEqualTo(2);

        Socket other = new Socket(); // another address (all of 127/8 is loopback) has its own share: waits
        sockets.add(other);
        other.bind(new InetSocketAddress("127.0.0.2", 0));
        other.connect(hub, 5_000);
        await().atMost(TunnelTestKit.WAIT).until(() -> server.handshakesWaiting() == 3);
    }

    @Test
    void closingTheServerClosesTheConnectionsThatWaitForASlot() throws Exception {
        // An event loop group the server does not own (so does not shut down, closing its channels):
        // only the server's close closes the waiting connection.
        MultiThreadIoEventLoopGroup shared = TunnelTransport.newEventLoopGroup(1);
        try {
            TunnelServer server = TunnelTestKit.server("hub-cap-shared").eventLoopGroup(shared)
                    .authenticator(TunnelTestKit.keyAuthenticator())
                    .limits(TunnelLimits.builder().maxHandshakes(1).handshakeTimeout(Duration.ofSeconds(30)).build())
                    .build();
            InetSocketAddress hub = server.start().get(10, TimeUnit.SECONDS);
            idle(hub);
            await().atMost(TunnelTestKit.WAIT).until(() -> server.handshakesInProgress() == 1);
            Socket waiting = idle(hub);
            await().atMost(TunnelTestKit.WAIT).until(() -> server.handshakesWaiting() == 1);

            server.close().get(10, TimeUnit.SECONDS);
            waiting.setSoTimeout(10_000);
            assertThat(waiting.getInputStream().read()).as("closed with the server").isEqualTo(-1);
            assertThat(server.handshakesWaiting()).isZero();
        } finally {
            shared.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
    }
}
