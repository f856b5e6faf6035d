package io.codehub.tunnel;

import static io.codehub.tunnel.TunnelTestKit.WAIT;
import static io.codehub.tunnel.TunnelTestKit.awaitSession;
import static io.codehub.tunnel.TunnelTestKit.connect;
import static io.codehub.tunnel.TunnelTestKit.connector;
import static io.codehub.tunnel.TunnelTestKit.echo;
import static io.codehub.tunnel.TunnelTestKit.post;
import static io.codehub.tunnel.TunnelTestKit.server;
import static io.codehub.tunnel.TunnelTestKit.writeChunks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import io.codehub.tunnel.TunnelTestKit.Collector;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.Http2Error;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a {@link TunnelObserver} is told over real loopback tunnels: handshakes by outcome (a
 * first connect, a resumed one, a wrong key), replaced sessions, PING round trips, stream resets
 * both ways, bytes both ways, and the agent's relayed CONNECT streams.
 */
@ExtendWith(NoBufferLeaks.class)
@Timeout(60)
class TunnelObserverIT {

    private final Recorder hub = new Recorder();
    private final Recorder agentSide = new Recorder();
    private final List<TunnelConnector> agents = new ArrayList<>();
    private TunnelServer server;
    private EventLoopGroup echoGroup;
    private Channel echoServer;

    @AfterEach
    void stop() throws Exception {
        for (TunnelConnector agent : agents) {
            agent.stop().get(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close().get(10, TimeUnit.SECONDS);
        }
        if (echoServer != null) {
            echoServer.close().sync();
            echoGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
    }

    private InetSocketAddress startServer() throws Exception {
        server = server("hub").observer(hub).keepalive(new Keepalive(Duration.ofSeconds(1), Duration.ofSeconds(2)))
                .build();
        return server.start().get(10, TimeUnit.SECONDS);
    }

    private TunnelConnector agent(InetSocketAddress address, String agentId, IncomingStreamHandlerFactory streams) {
        TunnelConnector agent = connector(address, agentId, streams).build();
        agents.add(agent);
        agent.start();
        return agent;
    }

    @Test
    void countsHandshakesReplacementsRoundTripsAndBytes() throws Exception {
        InetSocketAddress address = startServer();
        TunnelConnector agent = agent(address, "agent-1", echo());
        TunnelSession first = awaitSession(server, "agent-1");
        assertThat(hub.accepted.get()).isEqualTo(1);
        assertThat(hub.resumed.get()).isZero();

        Collector answer = new Collector();
        TunnelStream stream = first.openStream(answer).get(10, TimeUnit.SECONDS);
        answer.attach(stream);
        stream.writeHeaders(post("/echo"), false);
        CRC32 crc = new CRC32();
        writeChunks(stream, 8, 16 * 1024, crc).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(answer.body.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(8L * 16 * 1024);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(hub.sent.get()).isGreaterThan(8L * 16 * 1024);
            assertThat(hub.received.get()).isGreaterThan(8L * 16 * 1024);
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(hub.rtts.get()).isPositive());

        // The agent reconnects with its ticket: a resumed handshake that replaces the old session.
        agent.refresh().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(hub.accepted.get()).isEqualTo(2);
            assertThat(hub.resumed.get()).isEqualTo(1);
        });
        assertThat(hub.replaced.get()).isEqualTo(hub.accepted.get() - 1);

        TunnelConnector stranger = TunnelConnector.builder()
                .hubUri(java.net.URI.create("tcp://127.0.0.1:" + address.getPort()))
                .apiKey("chk_agent-2_wrong").agentVersion("test/1").streamHandlerFactory(echo()).build();
        agents.add(stranger);
        stranger.start();
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(hub.rejected.getOrDefault(HandshakeProblem.UNAUTHORIZED, new AtomicLong()).get()).isPositive());
    }

    @Test
    void countsStreamResetsEachWay() throws Exception {
        InetSocketAddress address = startServer();
        // The agent refuses /x; /y stays open until the hub cancels it (had the agent reset /y too,
        // the hub's CANCEL could find the stream already closed and send nothing).
        agent(address, "agent-1", (stream, headers, endStream) -> {
            if ("/x".contentEquals(headers.path())) {
                stream.reset(Http2Error.ENHANCE_YOUR_CALM);
            }
            return echo().newHandler(stream, headers, endStream);
        });
        TunnelSession session = awaitSession(server, "agent-1");

        Collector refused = new Collector();
        TunnelStream stream = session.openStream(refused).get(10, TimeUnit.SECONDS);
        refused.attach(stream);
        stream.writeHeaders(post("/x"), false);
        await().atMost(WAIT).untilAsserted(() -> assertThat(hub.resets)
                .containsKey(Http2Error.ENHANCE_YOUR_CALM + "/received"));

        Collector cancelled = new Collector();
        TunnelStream mine = session.openStream(cancelled).get(10, TimeUnit.SECONDS);
        cancelled.attach(mine);
        mine.writeHeaders(post("/y"), false);
        mine.reset(Http2Error.CANCEL);
        await().atMost(WAIT).untilAsserted(() -> assertThat(hub.resets).containsKey(Http2Error.CANCEL + "/sent"));
    }

    @Test
    void theRelayCountsItsConnectStreamsAndBytes() throws Exception {
        echoGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        echoServer = new ServerBootstrap().group(echoGroup).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public boolean isSharable() {
                        return true;
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.writeAndFlush(msg);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        int echoPort = ((InetSocketAddress) echoServer.localAddress()).getPort();
        InetSocketAddress address = startServer();
        agent(address, "agent-1", ConnectRelay.create((host, port) -> port == echoPort).withObserver(agentSide)
                .orElse(echo()));
        TunnelSession session = awaitSession(server, "agent-1");

        Collector answer = new Collector();
        TunnelStream stream = session.openStream(answer).get(10, TimeUnit.SECONDS);
        answer.attach(stream);
        stream.writeHeaders(connect("127.0.0.1:" + echoPort), false);
        assertThat(answer.headers.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("200");
        assertThat(agentSide.connectOpened.get()).isEqualTo(1);
        writeChunks(stream, 4, 1024, new CRC32()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(agentSide.toUpstream.get()).isEqualTo(4096);
            assertThat(agentSide.fromUpstream.get()).isEqualTo(4096);
        });
        stream.reset(Http2Error.CANCEL);
        await().atMost(WAIT).untilAsserted(() -> assertThat(agentSide.connectClosed.get()).isEqualTo(1));
    }

    /** Counts every call, thread-safe. */
    static final class Recorder implements TunnelObserver {
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong resumed = new AtomicLong();
        final AtomicLong replaced = new AtomicLong();
        final AtomicLong rtts = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        final AtomicLong sent = new AtomicLong();
        final AtomicLong connectOpened = new AtomicLong();
        final AtomicLong connectClosed = new AtomicLong();
        final AtomicLong toUpstream = new AtomicLong();
        final AtomicLong fromUpstream = new AtomicLong();
        final Map<HandshakeProblem, AtomicLong> rejected = new ConcurrentHashMap<>();
        final Map<String, AtomicLong> resets = new ConcurrentHashMap<>();

        @Override
        public void handshakeAccepted(boolean wasResumed) {
            accepted.incrementAndGet();
            if (wasResumed) {
                resumed.incrementAndGet();
            }
        }

        @Override
        public void handshakeRejected(HandshakeProblem problem) {
            rejected.computeIfAbsent(problem, p -> new AtomicLong()).incrementAndGet();
        }

        @Override
        public void sessionReplaced() {
            replaced.incrementAndGet();
        }

        @Override
        public void pingAcknowledged(long rttNanos) {
            assertThat(rttNanos).isNotNegative();
            rtts.incrementAndGet();
        }

        @Override
        public void streamReset(Http2Error error, boolean bySelf) {
            resets.computeIfAbsent(error + (bySelf ? "/sent" : "/received"), k -> new AtomicLong()).incrementAndGet();
        }

        @Override
        public void bytesReceived(long bytes) {
            received.addAndGet(bytes);
        }

        @Override
        public void bytesSent(long bytes) {
            sent.addAndGet(bytes);
        }

        @Override
        public void connectStreamOpened() {
            connectOpened.incrementAndGet();
        }

        @Override
        public void connectStreamClosed() {
            connectClosed.incrementAndGet();
        }

        @Override
        public void connectBytesToUpstream(long bytes) {
            toUpstream.addAndGet(bytes);
        }

        @Override
        public void connectBytesFromUpstream(long bytes) {
            fromUpstream.addAndGet(bytes);
        }
    }
}
