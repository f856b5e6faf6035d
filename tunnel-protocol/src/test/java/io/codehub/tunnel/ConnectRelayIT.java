package io.codehub.tunnel;

import static io.codehub.tunnel.TunnelTestKit.WAIT;
import static io.codehub.tunnel.TunnelTestKit.awaitSession;
import static io.codehub.tunnel.TunnelTestKit.connect;
import static io.codehub.tunnel.TunnelTestKit.connector;
import static io.codehub.tunnel.TunnelTestKit.echo;
import static io.codehub.tunnel.TunnelTestKit.server;
import static io.codehub.tunnel.TunnelTestKit.writeChunks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import io.codehub.tunnel.TunnelTestKit.Collector;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** CONNECT streams relayed by the agent to a loopback echo server, and refused by policy. */
@ExtendWith(NoBufferLeaks.class)
class ConnectRelayIT {

    private EventLoopGroup echoGroup;
    private Channel echoServer;
    private int echoPort;
    private TunnelServer server;
    private TunnelConnector agent;

    @BeforeEach
    void startEchoServer() throws Exception {
        echoGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        echoServer = new ServerBootstrap().group(echoGroup).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public boolean isSharable() {
                        return true;
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.writeAndFlush(msg);
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof ChannelInputShutdownEvent) {
                            ((SocketChannel) ctx.channel()).shutdownOutput();
                        }
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        echoPort = ((InetSocketAddress) echoServer.localAddress()).getPort();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (agent != null) {
                agent.stop().get(10, TimeUnit.SECONDS);
            }
            if (server != null) {
                server.close().get(10, TimeUnit.SECONDS);
            }
        } finally {
            echoServer.close().sync();
            echoGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
    }

    private TunnelSession start(UpstreamPolicy policy) throws Exception {
        server = server("hub").build();
        InetSocketAddress address = server.start().get(10, TimeUnit.SECONDS);
        agent = connector(address, "agent-1", ConnectRelay.create(policy).orElse(echo())).build();
        agent.start();
        return awaitSession(server, "agent-1");
    }

    @Test
    void relaysBytesBothWaysToAnAllowedUpstream() throws Exception {
        TunnelSession session = start((host, port) -> host.equals("127.0.0.1") && port == echoPort);
        Collector answer = new Collector();
        TunnelStream stream = session.openStream(answer).get(10, TimeUnit.SECONDS);
        answer.attach(stream);
        stream.writeHeaders(connect("127.0.0.1:" + echoPort), false);
        assertThat(answer.headers.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("200");

        CRC32 sent = new CRC32();
        writeChunks(stream, 64, 16 * 1024, sent).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        // END_STREAM half-closes the upstream; the echo server then closes its side, ending ours.
        assertThat(answer.body.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(64L * 16 * 1024);
        assertThat(answer.crc.getValue()).isEqualTo(sent.getValue());
    }

    @Test
    void refusesAnUpstreamThePolicyDoesNotAllowWith403() throws Exception {
        TunnelSession session = start((host, port) -> false);
        Collector answer = new Collector();
        TunnelStream stream = session.openStream(answer).get(10, TimeUnit.SECONDS);
        answer.attach(stream);
        stream.writeHeaders(connect("127.0.0.1:" + echoPort), false);

        assertThat(answer.headers.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("403");
        assertThat(answer.body.get(10, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void answers502WhenTheUpstreamRefusesTheConnection() throws Exception {
        int closedPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            closedPort = probe.getLocalPort();
        }
        TunnelSession session = start((host, port) -> true);
        Collector answer = new Collector();
        TunnelStream stream = session.openStream(answer).get(10, TimeUnit.SECONDS);
        answer.attach(stream);
        stream.writeHeaders(connect("127.0.0.1:" + closedPort), false);
        assertThat(answer.headers.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("502");
    }

    @Test
    void malformedAuthorityGets400() throws Exception {
        TunnelSession session = start((host, port) -> true);
        Collector answer = new Collector();
        TunnelStream stream = session.openStream(answer).get(10, TimeUnit.SECONDS);
        answer.attach(stream);
        stream.writeHeaders(connect("127.0.0.1"), false);
        assertThat(answer.headers.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("400");
    }

    @Test
    void openConnectHandsOutAByteChannelThatEchoesAndPacesTheAgent() throws Exception {
        TunnelSession session = start((host, port) -> host.equals("127.0.0.1") && port == echoPort);
        ByteChannelProbe probe = new ByteChannelProbe();
        Channel channel = session.openConnect("127.0.0.1", echoPort, probe).get(10, TimeUnit.SECONDS);
        assertThat(channel.config().isAutoRead()).isFalse();

        CRC32 sent = new CRC32();
        long total = 0;
        for (int i = 0; i < 64; i++) {
            byte[] chunk = new byte[16 * 1024];
            java.util.Arrays.fill(chunk, (byte) i);
            sent.update(chunk);
            total += chunk.length;
            channel.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(chunk)).sync();
        }
        // Nothing is read without demand: the echo stays in the agent's window.
        assertThat(probe.bytes.get()).isZero();
        channel.eventLoop().execute(() -> channel.pipeline().lastContext().read());
        long expected = total;
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> {
            channel.eventLoop().execute(channel::read);
            return probe.bytes.get() == expected;
        });
        assertThat(probe.crc.getValue()).isEqualTo(sent.getValue());
        assertThat(session.activeStreams()).isEqualTo(1);

        channel.close().sync();
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> session.activeStreams() == 0);
    }

    @Test
    void anUpstreamThatFloodsAHubThatDoesNotReadIsHeldBackByTheAgent() throws Exception {
        long offered = 256L << 20;
        AtomicLong accepted = new AtomicLong();
        try (ServerSocket flood = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread writer = new Thread(() -> {
                try (Socket socket = flood.accept(); OutputStream out = socket.getOutputStream()) {
                    byte[] chunk = new byte[64 * 1024];
                    while (accepted.get() < offered) {
                        out.write(chunk);
                        accepted.addAndGet(chunk.length);
                    }
                } catch (IOException e) {
                    // the relay closed the connection: the test is over
                }
            }, "flooding-upstream");
            writer.setDaemon(true);
            writer.start();
            int port = flood.getLocalPort();
            TunnelSession session = start((host, p) -> host.equals("127.0.0.1") && p == port);
            ByteChannelProbe probe = new ByteChannelProbe();
            Channel channel = session.openConnect("127.0.0.1", port, probe).get(10, TimeUnit.SECONDS);

            // The hub never reads: once its stream window, the water marks and the sockets' kernel
            // buffers are full, the agent stops reading the upstream, and the upstream's writes block.
            long[] last = {-1};
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
                long now = accepted.get();
                boolean still = now == last[0];
                last[0] = now;
                return still && now > 0;
            });
            assertThat(accepted.get()).as("bytes the upstream got rid of while the hub read nothing")
                    .isLessThan(32L << 20);
            assertThat(probe.bytes.get()).isZero();

            channel.close().sync();
            writer.join(WAIT.toMillis());
            assertThat(writer.isAlive()).isFalse();
            await().atMost(WAIT).until(() -> session.activeStreams() == 0);
        }
    }

    @Test
    void theHubClosingManyConnectStreamsEarlyNeverCostsTheSession() throws Exception {
        // Each gateway connection a browser closes ends its CONNECT stream with RST_STREAM CANCEL from
        // the hub: a busy site does hundreds a minute, which no rapid-reset limit may take for an attack.
        TunnelSession session = start((host, port) -> host.equals("127.0.0.1") && port == echoPort);
        int streams = 600;
        for (int i = 0; i < streams; i++) {
            Channel channel;
            try {
                channel = session.openConnect("127.0.0.1", echoPort, new ByteChannelProbe()).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("stream " + i + " of " + streams + " failed; session closed: "
                        + ((DefaultTunnelSession) session).closeCause(), e);
            }
            channel.close().sync();
        }
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> session.activeStreams() == 0);
        assertThat(server.session("agent-1")).containsSame(session);
        Channel after = session.openConnect("127.0.0.1", echoPort, new ByteChannelProbe()).get(10, TimeUnit.SECONDS);
        assertThat(after.isActive()).isTrue();
        after.close().sync();
    }

    @Test
    void openConnectFailsWithTheAgentsRefusal() throws Exception {
        TunnelSession session = start((host, port) -> false);
        CompletableFuture<Channel> opened =
                session.openConnect("127.0.0.1", echoPort, new ByteChannelProbe());

        assertThat(opened).failsWithin(10, TimeUnit.SECONDS).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(ConnectRefusedException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.isForbidden()).isTrue();
                });
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> session.activeStreams() == 0);
    }

    @Test
    void openConnectRejectsATargetThatCouldNotBeAnAuthority() throws Exception {
        TunnelSession session = start((host, port) -> true);
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> session.openConnect("evil host/", 80, new ByteChannelProbe()))
                .withMessageContaining("evil host/");
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> session.openConnect("127.0.0.1", 0, new ByteChannelProbe()));
    }

    /** Counts and checksums the bytes a CONNECT channel delivers. */
    private static final class ByteChannelProbe extends ChannelInboundHandlerAdapter {
        final AtomicLong bytes = new AtomicLong();
        final CRC32 crc = new CRC32();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                byte[] copy = new byte[buf.readableBytes()];
                buf.readBytes(copy);
                synchronized (crc) {
                    crc.update(copy);
                }
                bytes.addAndGet(copy.length);
            } finally {
                buf.release();
            }
        }
    }
}
