package io.codehub.hub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.config.TunnelProperties;
import io.codehub.hub.pki.HubPki;
import io.codehub.pki.CertificateAuthority;
import io.codehub.pki.IssuedCertificate;
import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.ConnectorListener;
import io.codehub.tunnel.HubSessionInfo;
import io.codehub.tunnel.TunnelAuthenticator;
import io.codehub.tunnel.TunnelConnector;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.TunnelStreamHandler;
import io.codehub.tunnel.TunnelTransport;
import io.codehub.web.ConfigurationException;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tunnel port's lifecycle: TLS from PEM files, drain on stop, and start-up failures that say what to fix. */
class TunnelPortTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final TunnelAuthenticator ANY_KEY = request ->
            CompletableFuture.completedFuture(AuthDecision.accept("agent-tls", null));

    @TempDir
    Path dir;

    @Test
    void servesAgentsOverTlsAndDrainsOnStop() throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.builder().fqdn("localhost").build();
        LiveTunnels tunnels = new LiveTunnels();
        TunnelProperties properties = new TunnelProperties(0, "127.0.0.1", certificate.certificate().toPath(),
                certificate.privateKey().toPath(), Duration.ofSeconds(1), Duration.ofHours(1), "none", 10, Duration.ofSeconds(6),
                Duration.ofSeconds(10), 128, 0, 32);
        TunnelPort port = new TunnelPort(properties, "test-hub", ANY_KEY, tunnels,
                new TunnelTls(properties, HubPki.disabled()), null);
        TunnelConnector agent = null;
        try {
            port.start();
            assertThat(port.isRunning()).isTrue();
            InetSocketAddress bound = port.localAddress();
            agent = TunnelConnector.builder()
                    .hubUri(URI.create("tls://127.0.0.1:" + bound.getPort()))
                    .tlsServerName("localhost")
                    .sslContext(SslContextBuilder.forClient().trustManager(certificate.certificate()).build())
                    .apiKey("chk_agent-tls_secret")
                    .agentVersion("test/1")
                    .streamHandlerFactory((stream, headers, end) -> {
                        stream.writeHeaders(new DefaultHttp2Headers().status("204"), true);
                        return null;
                    })
                    .build();
            agent.start();
            await().atMost(WAIT).until(() -> tunnels.session("agent-tls").isPresent());
            TunnelConnector connected = agent;
            await().atMost(WAIT).until(() -> connected.currentSession() != null);
            assertThat(connected.currentSession().keepaliveInterval()).as("the default PING interval")
                    .isEqualTo(Duration.ofSeconds(15));

            CountDownLatch stopped = new CountDownLatch(1);
            port.stop(stopped::countDown);
            assertThat(stopped.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(port.isRunning()).isFalse();
            assertThat(tunnels.session("agent-tls")).isEmpty();
        } finally {
            if (agent != null) {
                agent.stop().get(10, TimeUnit.SECONDS);
            }
            port.stop();
            port.close();
            certificate.delete();
        }
    }

    /**
     * The workspace gateway moves its client connections onto a tunnel's event loop and stops after
     * the port: a drain must leave those loops running, and only {@link TunnelPort#close()} (the
     * context closing) ends them. Before, the port's own loops ended with its drain and closed such
     * connections with nothing answered.
     */
    @Test
    void itsEventLoopsOutliveTheDrainSoThatConnectionsMovedOntoThemStayOpenUntilClose() throws Exception {
        LiveTunnels tunnels = new LiveTunnels();
        TunnelPort port = plaintextPort(tunnels, Duration.ofSeconds(1));
        TunnelConnector agent = null;
        Channel moved = null;
        try (ServerSocket app = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            port.start();
            agent = TunnelConnector.builder()
                    .hubUri(URI.create("tcp://127.0.0.1:" + port.localAddress().getPort()))
                    .apiKey("chk_agent-tls_secret")
                    .agentVersion("test/1")
                    .streamHandlerFactory((stream, headers, end) -> null)
                    .build();
            agent.start();
            TunnelSession session = await().atMost(WAIT).until(() -> tunnels.session("agent-tls").orElse(null),
                    s -> s != null);
            EventLoop loop = session.eventLoop();
            // A connection of another server's, on the tunnel's loop (as the gateway's client connections are).
            moved = new Bootstrap().group(loop).channel(TunnelTransport.socketChannel(loop))
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(app.getLocalSocketAddress()).sync().channel();

            CountDownLatch stopped = new CountDownLatch(1);
            port.stop(stopped::countDown);
            assertThat(stopped.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("drained").isTrue();
            assertThat(tunnels.session("agent-tls")).isEmpty();
            assertThat(loop.isShuttingDown()).as("the loop after the drain").isFalse();
            assertThat(loop.submit(() -> "ran").get(10, TimeUnit.SECONDS)).isEqualTo("ran");
            assertThat(moved.isOpen()).as("a connection on the loop after the drain").isTrue();

            port.close();
            assertThat(loop.isTerminated()).as("the loop after close").isTrue();
            Channel closed = moved;
            await().atMost(WAIT).until(() -> !closed.isOpen());
        } finally {
            if (moved != null) {
                moved.close();
            }
            if (agent != null) {
                agent.stop().get(10, TimeUnit.SECONDS);
            }
            port.stop();
            port.close();
        }
    }

    @Test
    void stoppingDrainsAgentsGetGoAwayDrainingAndTheCallInFlightFinishes() throws Exception {
        LiveTunnels tunnels = new LiveTunnels();
        TunnelPort port = plaintextPort(tunnels, Duration.ofSeconds(20));
        List<String> goAways = new CopyOnWriteArrayList<>();
        CompletableFuture<TunnelStream> agentSide = new CompletableFuture<>();
        TunnelConnector agent = null;
        try {
            port.start();
            agent = TunnelConnector.builder()
                    .hubUri(URI.create("tcp://127.0.0.1:" + port.localAddress().getPort()))
                    .apiKey("chk_agent-tls_secret")
                    .agentVersion("test/1")
                    .listener(new ConnectorListener() {
                        @Override
                        public void goAwayReceived(HubSessionInfo session, String reason) {
                            goAways.add(reason);
                        }
                    })
                    .streamHandlerFactory((stream, headers, end) -> {
                        agentSide.complete(stream);
                        return new TunnelStreamHandler() {
                            @Override
                            public void onHeaders(Http2Headers trailers, boolean endStream) {
                            }

                            @Override
                            public void onData(ByteBuf data, boolean endStream) {
                                data.release();
                            }
                        };
                    })
                    .build();
            agent.start();
            TunnelSession session = await().atMost(WAIT).until(() -> tunnels.session("agent-tls").orElse(null),
                    s -> s != null);
            CompletableFuture<String> status = new CompletableFuture<>();
            TunnelStream stream = session.openStream(new TunnelStreamHandler() {
                @Override
                public void onHeaders(Http2Headers headers, boolean endStream) {
                    status.complete(headers.status().toString());
                }

                @Override
                public void onData(ByteBuf data, boolean endStream) {
                    data.release();
                }
            }).get(10, TimeUnit.SECONDS);
            stream.request(4);
            stream.writeHeaders(new DefaultHttp2Headers().method("GET").scheme("http").authority("agent")
                    .path("/slow"), true);
            TunnelStream answering = agentSide.get(10, TimeUnit.SECONDS);

            CountDownLatch stopped = new CountDownLatch(1);
            port.stop(stopped::countDown);

            await().atMost(WAIT).until(() -> goAways.contains("draining"));
            assertThat(session.isActive()).as("no new calls on a draining session").isFalse();
            assertThat(stopped.getCount()).as("the call in flight holds the stop").isEqualTo(1);
            answering.writeHeaders(new DefaultHttp2Headers().status("204"), true);
            assertThat(status.get(10, TimeUnit.SECONDS)).isEqualTo("204");
            assertThat(stopped.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(port.isRunning()).isFalse();
        } finally {
            if (agent != null) {
                agent.stop().get(10, TimeUnit.SECONDS);
            }
            port.stop();
            port.close();
        }
    }

    @Test
    void aPortInUseNamesItsVariable() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            TunnelProperties properties = new TunnelProperties(taken.getLocalPort(), "127.0.0.1", null, null,
                    Duration.ofSeconds(1), Duration.ofHours(1), "none", 10, Duration.ofSeconds(6),
                Duration.ofSeconds(10), 128, 0, 32);
            TunnelPort port = new TunnelPort(properties, "test-hub", ANY_KEY, new LiveTunnels(),
                    new TunnelTls(properties, HubPki.disabled()), null);
            assertThatThrownBy(port::start).isInstanceOfSatisfying(ConfigurationException.class,
                    e -> assertThat(e.variable()).isEqualTo("CODEHUB_HUB_TUNNEL_PORT"));
            assertThat(port.isRunning()).isFalse();
            port.close();
        }
    }

    /** A plaintext port on a free loopback port, whose drain gives open streams {@code drainGrace}. */
    private static TunnelPort plaintextPort(LiveTunnels tunnels, Duration drainGrace) {
        TunnelProperties properties = new TunnelProperties(0, "127.0.0.1", null, null, drainGrace,
                Duration.ofHours(1), "none", 10, Duration.ofSeconds(6),
                Duration.ofSeconds(10), 128, 0, 32);
        return new TunnelPort(properties, "test-hub", ANY_KEY, tunnels, new TunnelTls(properties, HubPki.disabled()),
                null);
    }

    @Test
    void badSettingsNameTheirVariable() {
        assertThatThrownBy(() -> properties(70_000, "0.0.0.0", null, null))
                .isInstanceOfSatisfying(ConfigurationException.class,
                        e -> assertThat(e.variable()).isEqualTo("CODEHUB_HUB_TUNNEL_PORT"));
        assertThatThrownBy(() -> properties(7443, "hub.example.com", null, null))
                .isInstanceOfSatisfying(ConfigurationException.class,
                        e -> assertThat(e.variable()).isEqualTo("CODEHUB_HUB_TUNNEL_ADDRESS"));
        assertThatThrownBy(() -> properties(7443, "0.0.0.0", dir.resolve("cert.pem"), null))
                .isInstanceOfSatisfying(ConfigurationException.class,
                        e -> assertThat(e.variable()).isEqualTo("CODEHUB_HUB_TUNNEL_TLS_KEY"));
        assertThatThrownBy(() -> properties(7443, "0.0.0.0", dir.resolve("cert.pem"), dir.resolve("key.pem")))
                .isInstanceOfSatisfying(ConfigurationException.class,
                        e -> assertThat(e.variable()).isEqualTo("CODEHUB_HUB_TUNNEL_TLS_CERT"));
        assertThat(properties(0, " ::1 ", null, null).address()).isEqualTo("::1");
        for (Duration interval : List.of(Duration.ofMillis(1500), Duration.ZERO, Duration.ofSeconds(3601), Duration.ofDays(1_000_000_000))) {
            assertThatThrownBy(() -> withKeepalive(interval))
                    .isInstanceOfSatisfying(ConfigurationException.class,
                            e -> assertThat(e.variable()).isEqualTo("CODEHUB_HUB_TUNNEL_KEEPALIVE_INTERVAL"));
        }
    }

    @Test
    void theConfiguredKeepaliveIntervalReachesTheAgent() throws Exception {
        LiveTunnels tunnels = new LiveTunnels();
        TunnelProperties properties = withKeepalive(Duration.ofSeconds(7));
        TunnelPort port = new TunnelPort(properties, "test-hub", ANY_KEY, tunnels,
                new TunnelTls(properties, HubPki.disabled()), null);
        TunnelConnector agent = null;
        try {
            port.start();
            agent = TunnelConnector.builder()
                    .hubUri(URI.create("tcp://127.0.0.1:" + port.localAddress().getPort()))
                    .apiKey("chk_agent-7_secret")
                    .agentVersion("test/1")
                    .streamHandlerFactory((stream, headers, end) -> null)
                    .build();
            agent.start();
            TunnelConnector connected = agent;
            await().atMost(WAIT).until(() -> connected.currentSession() != null);
            assertThat(connected.currentSession().keepaliveInterval()).isEqualTo(Duration.ofSeconds(7));
        } finally {
            if (agent != null) {
                agent.stop().get(10, TimeUnit.SECONDS);
            }
            port.stop();
            port.close();
        }
    }

    private static TunnelProperties withKeepalive(Duration interval) {
        return new TunnelProperties(0, "127.0.0.1", null, null, Duration.ofSeconds(10), Duration.ofHours(24), "none", 10,
                Duration.ofSeconds(6), Duration.ofSeconds(10), 128, 0, 32, Duration.ofSeconds(5), 10_000, 10_000, interval);
    }

    @Test
    void withClientAuthRequireAConnectionWithoutACertificateFailsTheTlsHandshake() throws Exception {
        // The CA outlives the 1-day certificate: its notAfter is whole seconds, so a CA of exactly one day
        // ends before a certificate of one day issued a moment later, which the CA rightly refuses.
        CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"),
                new io.codehub.pki.InitOptions(io.codehub.pki.KeyType.EC_P256, "CN=require test", Duration.ofDays(2), null));
        IssuedCertificate server = ca.issueServer(List.of("localhost"), List.of(),
                Duration.ofDays(1));
        Path cert = java.nio.file.Files.writeString(dir.resolve("require-cert.pem"), server.chainPem());
        Path key = java.nio.file.Files.writeString(dir.resolve("require-key.pem"), server.privateKeyPem(null));
        TunnelProperties properties = new TunnelProperties(0, "127.0.0.1", cert, key, Duration.ofSeconds(1),
                Duration.ofHours(1), "require", 10, Duration.ofSeconds(6),
                Duration.ofSeconds(10), 128, 0, 32);
        LiveTunnels tunnels = new LiveTunnels();
        TunnelPort port = new TunnelPort(properties, "test-hub", ANY_KEY, tunnels,
                new TunnelTls(properties, HubPki.of(ca, Duration.ofDays(7))), null);
        X509Certificate[] trust = ca.trustBundle().toArray(X509Certificate[]::new);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        TunnelConnector withoutCertificate = null;
        TunnelConnector withCertificate = null;
        try {
            port.start();
            int tunnelPort = port.localAddress().getPort();
            withoutCertificate = connector(tunnelPort, SslContextBuilder.forClient().trustManager(trust).build(),
                    failures);
            withoutCertificate.start();
            await().atMost(WAIT).until(() -> !failures.isEmpty());
            assertThat(failures.get(0)).as("refused by TLS, before any HTTP")
                    .isNotInstanceOf(io.codehub.tunnel.HandshakeRejectedException.class);
            assertThat(tunnels.session("agent-tls")).isEmpty();

            IssuedCertificate agent = ca.issueAgent("agent-tls", Duration.ofDays(1));
            withCertificate = connector(tunnelPort, SslContextBuilder.forClient().trustManager(trust)
                    .keyManager(agent.privateKey(), agent.chain().toArray(java.security.cert.X509Certificate[]::new))
                    .build(), new java.util.concurrent.CopyOnWriteArrayList<>());
            withCertificate.start();
            await().atMost(WAIT).until(() -> tunnels.session("agent-tls").isPresent());
        } finally {
            for (TunnelConnector c : new TunnelConnector[] {withoutCertificate, withCertificate}) {
                if (c != null) {
                    c.stop().get(10, TimeUnit.SECONDS);
                }
            }
            port.stop();
            port.close();
        }
    }

    private static TunnelConnector connector(int port, SslContext tls, List<Throwable> failures) {
        return TunnelConnector.builder()
                .hubUri(URI.create("tls://127.0.0.1:" + port))
                .tlsServerName("localhost")
                .sslContext(tls)
                .apiKey("chk_agent-tls_secret")
                .agentVersion("test/1")
                .listener(new io.codehub.tunnel.ConnectorListener() {
                    @Override
                    public void connectFailed(Throwable cause, Duration retryIn) {
                        failures.add(cause);
                    }
                })
                .streamHandlerFactory((stream, headers, end) -> null)
                .build();
    }

    private static TunnelProperties properties(int port, String address, Path cert, Path key) {
        return new TunnelProperties(port, address, cert, key, Duration.ofSeconds(10), Duration.ofHours(24), "none", 10, Duration.ofSeconds(6),
                Duration.ofSeconds(10), 128, 0, 32);
    }
}
