package io.codehub.tunnel;

import static io.codehub.tunnel.RelayRig.CHUNK;
import static io.codehub.tunnel.RelayRig.TOKEN;
import static io.codehub.tunnel.RelayRig.hasRelayHeader;
import static io.codehub.tunnel.RelayRig.relayHeaders;
import static io.codehub.tunnel.RelayRig.writeChunks;
import static io.codehub.tunnel.TunnelTestKit.LOOPBACK_ANY_PORT;
import static io.codehub.tunnel.TunnelTestKit.WAIT;
import static io.codehub.tunnel.TunnelTestKit.awaitSession;
import static io.codehub.tunnel.TunnelTestKit.connector;
import static io.codehub.tunnel.TunnelTestKit.post;
import static io.codehub.tunnel.TunnelTestKit.server;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.codehub.tunnel.RelayRig.AgentApp;
import io.codehub.tunnel.RelayRig.EchoServer;
import io.codehub.tunnel.RelayRig.Sink;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The hub-to-hub relay end to end on loopback: forwarder ({@link RelayClient} view) to owner
 * ({@link RelayServer}) to the agent's tunnel ({@link TunnelServer} and {@link TunnelConnector}).
 */
@ExtendWith(NoBufferLeaks.class)
@Timeout(120)
class RelayIT {

    private final AgentApp app1 = new AgentApp("agent-1");
    private final AgentApp app2 = new AgentApp("agent-2");
    private final List<TunnelConnector> agents = new ArrayList<>();
    private EchoServer echo;
    private TunnelServer tunnels;
    private RelayRig.Handler handler;
    private RelayServer relay;
    private RelayClient client;
    private InetSocketAddress relayAddress;

    @BeforeEach
    void start() throws Exception {
        echo = new EchoServer();
        tunnels = server("owner").ioThreads(2).build();
        InetSocketAddress tunnelAddress = tunnels.start().get(10, TimeUnit.SECONDS);
        startAgent(tunnelAddress, app1);
        startAgent(tunnelAddress, app2);
        awaitSession(tunnels, "agent-1");
        awaitSession(tunnels, "agent-2");
        handler = new RelayRig.Handler(tunnels);
        relay = RelayServer.builder().bindAddress(LOOPBACK_ANY_PORT).ioThreads(2).handler(handler).build();
        relayAddress = relay.start().get(10, TimeUnit.SECONDS);
        client = RelayClient.builder().ioThreads(1).build();
    }

    private void startAgent(InetSocketAddress tunnelAddress, AgentApp app) {
        int echoPort = echo.port();
        IncomingStreamHandlerFactory streams =
                ConnectRelay.create((host, port) -> host.equals("127.0.0.1") && port == echoPort).orElse(app);
        TunnelConnector agent = connector(tunnelAddress, app.agentId, (stream, headers, endStream) -> {
            app.seen.add(headers);
            return streams.newHandler(stream, headers, endStream);
        }).build();
        agent.start();
        agents.add(agent);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (client != null) {
                client.close().get(10, TimeUnit.SECONDS);
            }
            if (relay != null) {
                relay.close().get(10, TimeUnit.SECONDS);
            }
            for (TunnelConnector agent : agents) {
                agent.stop().get(10, TimeUnit.SECONDS);
            }
            tunnels.close().get(10, TimeUnit.SECONDS);
        } finally {
            echo.close();
        }
    }

    private TunnelSession view(String agentId) {
        return client.session(relayAddress, agentId, relayHeaders(agentId, TOKEN));
    }

    private Sink open(TunnelSession view, Http2Headers request, boolean endStream) throws Exception {
        Sink sink = new Sink();
        TunnelStream stream = view.openStream(sink).get(10, TimeUnit.SECONDS);
        sink.attach(stream);
        stream.writeHeaders(request, endStream);
        return sink;
    }

    @Test
    void relaysARequestWithItsHeadersIntactAndWithoutTheRelayHeaders() throws Exception {
        TunnelSession view = view("agent-1");
        assertThat(view.agentId()).isEqualTo("agent-1");
        assertThat(view.sessionId()).startsWith("relay:127.0.0.1:" + relayAddress.getPort() + ":");
        assertThat(view.remoteAddress()).isEqualTo(relayAddress);
        assertThat(view.eventLoop()).isNotNull();

        Sink sink = new Sink();
        TunnelStream stream = view.openStream(sink).get(10, TimeUnit.SECONDS);
        sink.attach(stream);
        stream.writeHeaders(post("/echo").add("x-trace", "t-1").add("codehub-relay-agent", "agent-2")
                .add("codehub-relay-spoofed", "yes"), false);
        stream.writeData(Unpooled.copiedBuffer("hello relay", StandardCharsets.UTF_8), true);

        assertThat(sink.status()).isEqualTo("200");
        assertThat(sink.headers.get().get("x-agent").toString()).isEqualTo("agent-1");
        assertThat(sink.body).succeedsWithin(WAIT);
        assertThat(sink.text.toString()).isEqualTo("hello relay");
        assertThat(sink.trailers.get(10, TimeUnit.SECONDS).get("x-end").toString()).isEqualTo("yes");

        Http2Headers atAgent = app1.requests.get(0);
        assertThat(atAgent.method().toString()).isEqualTo("POST");
        assertThat(atAgent.path().toString()).isEqualTo("/echo");
        assertThat(atAgent.get("x-trace").toString()).isEqualTo("t-1");
        assertThat(hasRelayHeader(atAgent)).isFalse();
        assertThat(app2.requests).isEmpty();
        // The caller's own codehub-relay-* headers never reach the owner either: only the view's do.
        Http2Headers atOwner = handler.seen.get(0);
        assertThat(atOwner.getAll(RelayServer.AGENT_HEADER)).hasSize(1);
        assertThat(atOwner.get(RelayServer.AGENT_HEADER).toString()).isEqualTo("agent-1");
        assertThat(atOwner.contains("codehub-relay-spoofed")).isFalse();
        await().atMost(WAIT).until(() -> view.activeStreams() == 0);
    }

    @Test
    void carriesSixtyFourMebibytesEachWayIntact() throws Exception {
        int chunks = 64 * 1024 * 1024 / CHUNK;
        Sink sink = open(view("agent-1"), post("/echo"), false);
        String sent = writeChunks(sink.stream, chunks).get(60, TimeUnit.SECONDS);

        assertThat(sink.status()).isEqualTo("200");
        assertThat(sink.body.get(60, TimeUnit.SECONDS)).isEqualTo(sent);
        assertThat(sink.bytes.get()).isEqualTo((long) chunks * CHUNK);
    }

    @Test
    void relaysAConnectByteStreamThroughTheView() throws Exception {
        ByteProbe probe = new ByteProbe();
        Channel channel = view("agent-1").openConnect("127.0.0.1", echo.port(), probe).get(10, TimeUnit.SECONDS);
        assertThat(channel.config().isAutoRead()).isFalse();
        MessageDigest sent = RelayRig.sha256();
        int chunks = 64;
        for (int i = 0; i < chunks; i++) {
            byte[] bytes = RelayRig.chunk(i);
            sent.update(bytes);
            channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).sync();
        }
        long expected = (long) chunks * CHUNK;
        await().atMost(WAIT).until(() -> {
            channel.eventLoop().execute(channel::read);
            return probe.bytes.get() == expected;
        });
        assertThat(probe.sha()).isEqualTo(HexFormat.of().formatHex(sent.digest()));
        channel.close().sync();
        assertThat(app1.seen.get(0).method().toString()).isEqualTo("CONNECT");
        assertThat(app1.seen.get(0).authority().toString()).isEqualTo("127.0.0.1:" + echo.port());
        assertThat(hasRelayHeader(app1.seen.get(0))).isFalse();
    }

    @Test
    void aStalledForwarderStopsTheAgentAfterAboutTwoWindows() throws Exception {
        long total = 16L * 1024 * 1024;
        Sink sink = new Sink();
        sink.stalled = true;
        TunnelStream stream = view("agent-1").openStream(sink).get(10, TimeUnit.SECONDS);
        sink.attach(stream);
        stream.writeHeaders(post("/large/" + total), true);
        assertThat(sink.status()).isEqualTo("200");

        // The agent writes as fast as its stream window lets it; with nobody reading at the far end
        // it stops once the forwarder's window (1 MiB), the relay's few frames in flight and the
        // owner's window towards the agent (1 MiB) are full.
        long[] last = {-1};
        await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() -> {
            long now = app1.largeSent.get();
            boolean stable = now > 0 && now == last[0];
            last[0] = now;
            return stable;
        });
        long stalledAt = app1.largeSent.get();
        assertThat(stalledAt).isBetween(1024L * 1024, 3L * 1024 * 1024);
        assertThat(sink.bytes.get()).isZero();

        sink.resume();
        assertThat(sink.body).succeedsWithin(WAIT);
        assertThat(sink.bytes.get()).isEqualTo(total);
    }

    @Test
    void aStalledStreamDoesNotSlowItsSibling() throws Exception {
        TunnelSession view = view("agent-1");
        Sink stalled = new Sink();
        stalled.stalled = true;
        TunnelStream stalledStream = view.openStream(stalled).get(10, TimeUnit.SECONDS);
        stalled.attach(stalledStream);
        stalledStream.writeHeaders(post("/large/" + 64L * 1024 * 1024), true);
        assertThat(stalled.status()).isEqualTo("200");
        await().atMost(WAIT).until(() -> app1.largeSent.get() >= 1024 * 1024);

        int chunks = 8 * 1024 * 1024 / CHUNK;
        Sink sibling = open(view, post("/echo"), false);
        String sent = writeChunks(sibling.stream, chunks).get(30, TimeUnit.SECONDS);
        assertThat(sibling.body.get(30, TimeUnit.SECONDS)).isEqualTo(sent);
        assertThat(stalled.bytes.get()).isZero();
        stalledStream.reset(Http2Error.CANCEL);
    }

    @Test
    void aResetFromTheForwarderReachesTheAgentWithItsCode() throws Exception {
        Sink sink = open(view("agent-1"), post("/hold"), false);
        app1.held.get(10, TimeUnit.SECONDS);

        sink.stream.reset(Http2Error.INTERNAL_ERROR);

        assertThat(app1.heldReset.get(10, TimeUnit.SECONDS)).isEqualTo(Http2Error.INTERNAL_ERROR);
    }

    @Test
    void aResetFromTheAgentReachesTheForwarderWithItsCode() throws Exception {
        Sink sink = open(view("agent-1"), post("/hold"), false);
        TunnelStream atAgent = app1.held.get(10, TimeUnit.SECONDS);
        atAgent.writeHeaders(new DefaultHttp2Headers().status("200"), false);
        assertThat(sink.status()).isEqualTo("200");

        atAgent.reset(Http2Error.ENHANCE_YOUR_CALM);

        TunnelStreamException error = sink.error.get(10, TimeUnit.SECONDS);
        assertThat(error.error()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM);
        assertThat(error.isUnprocessed()).isFalse();
    }

    @Test
    void refusesUnknownAgentsAndBadCredentialsWithProblemsAndNeverContactsTheAgent() throws Exception {
        Sink unknown = open(view("agent-9"), post("/echo"), true);
        assertThat(unknown.status()).isEqualTo("404");
        assertThat(unknown.headers.get().get("content-type").toString()).isEqualTo("application/problem+json");
        assertThat(unknown.body).succeedsWithin(WAIT);
        assertThat(unknown.text.toString()).contains("\"type\":\"urn:codehub:problem:relay-agent-not-connected\"")
                .contains("\"status\":404");

        Sink noToken = open(client.session(relayAddress, "agent-1", relayHeaders("agent-1", null)),
                post("/echo"), false);
        // A refused request's body is read and dropped.
        noToken.stream.writeData(Unpooled.wrappedBuffer(new byte[100_000]), true);
        assertThat(noToken.status()).isEqualTo("401");
        assertThat(noToken.body).succeedsWithin(WAIT);
        assertThat(noToken.text.toString()).contains("urn:codehub:problem:relay-unauthorized");

        Sink wrongToken = open(client.session(relayAddress, "agent-1", relayHeaders("agent-1", "Bearer nope")),
                post("/echo"), true);
        assertThat(wrongToken.status()).isEqualTo("403");
        assertThat(wrongToken.body).succeedsWithin(WAIT);
        assertThat(RelayProblem.fromUri(ProblemBodies.stringMember(wrongToken.text.toString(), "type")))
                .isEqualTo(RelayProblem.FORBIDDEN);

        assertThat(app1.seen).isEmpty();
        assertThat(app2.seen).isEmpty();
    }

    @Test
    void theOwnerNeverForwardsAgain() throws Exception {
        // A stale record that names another hub as the owner must not make the owner a forwarder.
        handler.pinned.put("agent-1", client.session(relayAddress, "agent-1", relayHeaders("agent-1", TOKEN)));

        Sink sink = open(view("agent-1"), post("/echo"), true);

        assertThat(sink.status()).isEqualTo("508");
        assertThat(sink.body).succeedsWithin(WAIT);
        assertThat(sink.text.toString()).contains("urn:codehub:problem:relay-loop");
        assertThat(handler.seen).hasSize(1);
        assertThat(app1.seen).isEmpty();
    }

    @Test
    void anAgentThatDisconnectedGetsItsStreamsRefusedAsUnprocessed() throws Exception {
        TunnelSession gone = tunnels.session("agent-1").orElseThrow();
        handler.pinned.put("agent-1", gone); // the owner still thinks it holds the agent
        agents.remove(0).stop().get(10, TimeUnit.SECONDS);
        gone.closeFuture().get(10, TimeUnit.SECONDS);

        Sink sink = open(view("agent-1"), post("/echo"), true);
        TunnelStreamException error = sink.error.get(10, TimeUnit.SECONDS);
        assertThat(error.error()).isEqualTo(Http2Error.REFUSED_STREAM);
        assertThat(error.isUnprocessed()).isTrue();

        CompletableFuture<Channel> connect = view("agent-1").openConnect("127.0.0.1", echo.port(), new ByteProbe());
        assertThat(connect).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(TunnelStreamException.class, e -> {
                    assertThat(e.error()).isEqualTo(Http2Error.REFUSED_STREAM);
                    assertThat(e.isUnprocessed()).isTrue();
                });
    }

    @Test
    void oneRelayConnectionCarriesTheStreamsOfEveryViewAndAgent() throws Exception {
        List<Sink> sinks = new ArrayList<>();
        List<TunnelSession> views = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            TunnelSession view = view(i % 2 == 0 ? "agent-1" : "agent-2");
            views.add(view);
            Sink sink = open(view, post("/echo"), false);
            sink.stream.writeData(Unpooled.copiedBuffer("n" + i, StandardCharsets.UTF_8), true);
            sinks.add(sink);
        }
        for (int i = 0; i < sinks.size(); i++) {
            assertThat(sinks.get(i).body).succeedsWithin(WAIT);
            assertThat(sinks.get(i).text.toString()).isEqualTo("n" + i);
        }
        assertThat(views).extracting(TunnelSession::sessionId).containsOnly(views.get(0).sessionId());
        assertThat(views).extracting(TunnelSession::eventLoop).containsOnly(views.get(0).eventLoop());
        assertThat(relay.connectionCount()).isEqualTo(1);
        assertThat(client.connectionCount()).isEqualTo(1);
        assertThat(app1.requests).hasSize(5);
        assertThat(app2.requests).hasSize(5);

        // Closing a view leaves the shared connection alone.
        views.get(0).close("done").get(1, TimeUnit.SECONDS);
        assertThat(views.get(0).isActive()).isTrue();
        assertThat(open(view("agent-2"), post("/echo"), true).body).succeedsWithin(WAIT);
        assertThat(relay.connectionCount()).isEqualTo(1);
    }

    @Test
    void aFailedConnectIsRememberedForTheBackoffAndFailsUnprocessed() throws Exception {
        InetSocketAddress nowhere;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            nowhere = new InetSocketAddress("127.0.0.1", probe.getLocalPort());
        }
        TunnelSession first = client.session(nowhere, "agent-1", relayHeaders("agent-1", TOKEN));
        assertThat(first.openStream(new Sink())).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(TunnelConnectionException.class, e -> {
                    assertThat(e.reason()).isEqualTo(TunnelConnectionException.Reason.CONNECT_FAILED);
                    assertThat(e.isUnprocessed()).isTrue();
                });
        assertThat(first.isActive()).isFalse();
        TunnelSession second = client.session(nowhere, "agent-1", relayHeaders("agent-1", TOKEN));
        assertThat(second.sessionId()).isEqualTo(first.sessionId());
        assertThat(second.openStream(new Sink())).failsWithin(Duration.ofMillis(100));

        RelayClient eager = RelayClient.builder().ioThreads(1).reconnectBackoff(Duration.ZERO).build();
        try {
            TunnelSession a = eager.session(nowhere, "agent-1", relayHeaders("agent-1", TOKEN));
            assertThat(a.closeFuture()).succeedsWithin(WAIT);
            TunnelSession b = eager.session(nowhere, "agent-1", relayHeaders("agent-1", TOKEN));
            assertThat(b.sessionId()).isNotEqualTo(a.sessionId());
        } finally {
            eager.close().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClosedRelayConnectionIsReplacedByTheNextView() throws Exception {
        RelayServer other = RelayServer.builder().bindAddress(LOOPBACK_ANY_PORT).ioThreads(1).handler(handler).build();
        InetSocketAddress otherAddress = other.start().get(10, TimeUnit.SECONDS);
        TunnelSession before = client.session(otherAddress, "agent-1", relayHeaders("agent-1", TOKEN));
        assertThat(open(before, post("/echo"), true).body).succeedsWithin(WAIT);
        assertThat(before.lastRtt()).isNull();

        other.close().get(10, TimeUnit.SECONDS);
        assertThat(before.closeFuture()).succeedsWithin(WAIT);
        assertThat(before.isActive()).isFalse();
        assertThat(before.openStream(new Sink())).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(TunnelConnectionException.class,
                        e -> assertThat(e.isUnprocessed()).isTrue());

        TunnelSession after = client.session(otherAddress, "agent-1", relayHeaders("agent-1", TOKEN));
        assertThat(after.sessionId()).isNotEqualTo(before.sessionId());
        assertThat(after.openStream(new Sink())).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(TunnelConnectionException.class, e -> {
                    assertThat(e.reason()).isEqualTo(TunnelConnectionException.Reason.CONNECT_FAILED);
                    assertThat(e.isUnprocessed()).isTrue();
                });
    }

    @Test
    void aSilentPathIsNoticedByBothHubsAndResetsTheAgentsStream() throws Exception {
        Keepalive fast = new Keepalive(Duration.ofSeconds(1), Duration.ofSeconds(1));
        RelayServer watched = RelayServer.builder().bindAddress(LOOPBACK_ANY_PORT).ioThreads(1).keepalive(fast)
                .handler(handler).build();
        RelayClient pinging = RelayClient.builder().ioThreads(1).keepalive(fast).build();
        try (TestRelay path = TestRelay.forwarder(watched.start().get(10, TimeUnit.SECONDS))) {
            TunnelSession view = pinging.session(new InetSocketAddress("127.0.0.1", path.port()), "agent-1",
                    relayHeaders("agent-1", TOKEN));
            Sink sink = open(view, post("/hold"), false);
            app1.held.get(10, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> view.lastRtt() != null);

            path.freezeCurrentConnections();

            // The forwarder misses a PING ACK and closes; the owner hears nothing for three
            // intervals and closes too, which resets the tunnel stream it had bridged.
            assertThat(view.closeFuture()).succeedsWithin(WAIT);
            assertThat(sink.error).succeedsWithin(WAIT);
            assertThat(app1.heldReset.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(Http2Error.CANCEL);
            await().atMost(WAIT).until(() -> watched.connectionCount() == 0);
        } finally {
            pinging.close().get(10, TimeUnit.SECONDS);
            watched.close().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aDrainingRelayFinishesOpenStreamsAndRefusesNewOnes() throws Exception {
        TunnelSession view = view("agent-1");
        Sink open = open(view, post("/hold"), true);
        TunnelStream atAgent = app1.held.get(10, TimeUnit.SECONDS);

        CompletableFuture<Void> drained = relay.drain(Duration.ofSeconds(30));
        await().atMost(WAIT).until(() -> !view.isActive());
        CompletableFuture<TunnelStream> late = view("agent-1").openStream(new Sink());
        assertThat(late).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(TunnelException.class,
                        e -> assertThat(e.isUnprocessed()).isTrue());
        assertThat(drained).isNotDone();

        atAgent.writeHeaders(new DefaultHttp2Headers().status("204"), true);
        assertThat(open.status()).isEqualTo("204");
        assertThat(drained).succeedsWithin(WAIT);
    }

    @Test
    void relaysOverTlsWithAlpnH2() throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.builder().fqdn("localhost").build();
        ApplicationProtocolConfig alpn = new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2);
        SslContext serverTls = SslContextBuilder.forServer(certificate.key(), certificate.cert())
                .applicationProtocolConfig(alpn).build();
        SslContext clientTls = SslContextBuilder.forClient().trustManager(certificate.cert())
                .applicationProtocolConfig(alpn).build();
        RelayServer tlsRelay = RelayServer.builder().bindAddress(LOOPBACK_ANY_PORT).ioThreads(1)
                .sslContext(() -> serverTls).handler(handler).build();
        RelayClient tlsClient = RelayClient.builder().ioThreads(1).sslContext(clientTls).build();
        try {
            int port = tlsRelay.start().get(10, TimeUnit.SECONDS).getPort();
            // The name the certificate is checked against is the address's host string.
            InetSocketAddress peer = new InetSocketAddress(
                    InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1}), port);
            Sink sink = open(tlsClient.session(peer, "agent-2", relayHeaders("agent-2", TOKEN)), post("/echo"), false);
            sink.stream.writeData(Unpooled.copiedBuffer("over tls", StandardCharsets.UTF_8), true);
            assertThat(sink.status()).isEqualTo("200");
            assertThat(sink.body).succeedsWithin(WAIT);
            assertThat(sink.text.toString()).isEqualTo("over tls");
            assertThat(sink.headers.get().get("x-agent").toString()).isEqualTo("agent-2");

            // The certificate names localhost, not 127.0.0.1: a peer addressed by IP fails its check.
            RelayClient byIp = RelayClient.builder().ioThreads(1).sslContext(clientTls).build();
            try {
                TunnelSession wrongName = byIp.session(new InetSocketAddress("127.0.0.1", port), "agent-2",
                        relayHeaders("agent-2", TOKEN));
                assertThat(wrongName.openStream(new Sink())).failsWithin(WAIT)
                        .withThrowableOfType(ExecutionException.class).havingCause()
                        .isInstanceOfSatisfying(TunnelConnectionException.class, e -> {
                            assertThat(e.reason()).isEqualTo(TunnelConnectionException.Reason.CONNECT_FAILED);
                            assertThat(e.isUnprocessed()).isTrue();
                        });
            } finally {
                byIp.close().get(10, TimeUnit.SECONDS);
            }
        } finally {
            tlsClient.close().get(10, TimeUnit.SECONDS);
            tlsRelay.close().get(10, TimeUnit.SECONDS);
            certificate.delete();
        }
    }

    /** Counts and hashes the bytes of a CONNECT channel. */
    private static final class ByteProbe extends ChannelInboundHandlerAdapter {
        final AtomicLong bytes = new AtomicLong();
        private final MessageDigest digest = RelayRig.sha256();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                byte[] copy = new byte[buf.readableBytes()];
                buf.readBytes(copy);
                synchronized (digest) {
                    digest.update(copy);
                }
                bytes.addAndGet(copy.length);
            } finally {
                buf.release();
            }
        }

        String sha() {
            synchronized (digest) {
                return HexFormat.of().formatHex(digest.digest());
            }
        }
    }
}
