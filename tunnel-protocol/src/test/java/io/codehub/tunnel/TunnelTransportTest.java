package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringSocketChannel;
import jdk.net.ExtendedSocketOptions;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The transport chosen by the property, and the dead-path probes on a real connected socket of each. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TunnelTransportTest {

    @Test
    void theDefaultIsEpollWhereItLoadsAndNioElseWithoutAWarning() {
        assertThat(choose("", true, true)).isEqualTo(new TunnelTransport.Choice("epoll", null));
        assertThat(choose("", true, false)).isEqualTo(new TunnelTransport.Choice("nio", null));
        assertThat(choose(" EPOLL ", false, true)).isEqualTo(new TunnelTransport.Choice("epoll", null));
        assertThat(choose("nio", true, true)).isEqualTo(new TunnelTransport.Choice("nio", null));
        assertThat(choose("io_uring", true, true)).isEqualTo(new TunnelTransport.Choice("io_uring", null));
    }

    @Test
    void aTransportAskedForThatCannotRunFallsBackWithAWarningThatSaysWhy() {
        TunnelTransport.Choice noUring = choose("io_uring", false, true);
        assertThat(noUring.name()).isEqualTo("epoll");
        assertThat(noUring.warning()).isEqualTo("codehub.tunnel.transport=io_uring: io_uring is not available here "
                + "(java.lang.UnsupportedOperationException: io_uring is off; a seccomp profile or "
                + "kernel.io_uring_disabled may forbid it); running on epoll");

        TunnelTransport.Choice noEpoll = choose("epoll", false, false);
        assertThat(noEpoll.name()).isEqualTo("nio");
        assertThat(noEpoll.warning()).contains("epoll is not available here", "epoll is off", "running on nio");
    }

    @Test
    void aValueThatNamesNoTransportRunsTheDefaultWithAWarning() {
        TunnelTransport.Choice typo = choose("iouring", true, true);

        assertThat(typo.name()).isEqualTo("epoll");
        assertThat(typo.warning()).isEqualTo("codehub.tunnel.transport='iouring' names no transport (expected epoll, "
                + "io_uring or nio); running on epoll");
    }

    @Test
    void onlyTheTransportAskedForIsProbed() {
        assertThat(TunnelTransport.choose("", () -> {
            throw new AssertionError("io_uring probed though not asked for");
        }, () -> null, () -> true, () -> null).name()).isEqualTo("epoll");
        assertThat(TunnelTransport.choose("nio", () -> {
            throw new AssertionError("io_uring probed though nio was asked for");
        }, () -> null, () -> {
            throw new AssertionError("epoll probed though nio was asked for");
        }, () -> null).name()).isEqualTo("nio");
    }

    /**
     * Probes set on {@code channel} after a quiet of {@code idleSeconds}, read back with its
     * transport's options; {@code userTimeout} where the transport has one.
     */
    private static void assertProbes(Channel channel, int idleSeconds, ChannelOption<Integer> keepIdle,
            ChannelOption<Integer> keepInterval, ChannelOption<Integer> keepCount,
            @Nullable ChannelOption<Integer> userTimeout, int userTimeoutMillis) {
        assertThat(TunnelTransport.probeDeadPaths(channel, Duration.ofSeconds(idleSeconds))).isTrue();

        assertThat(channel.config().getOption(ChannelOption.SO_KEEPALIVE)).isTrue();
        assertThat(channel.config().getOption(keepIdle)).isEqualTo(idleSeconds);
        assertThat(channel.config().getOption(keepInterval)).isEqualTo(1);
        assertThat(channel.config().getOption(keepCount)).isEqualTo(3);
        if (userTimeout != null) {
            assertThat(channel.config().getOption(userTimeout)).isEqualTo(userTimeoutMillis);
        }
    }

    private static TunnelTransport.Choice choose(String asked, boolean ioUring, boolean epoll) {
        return TunnelTransport.choose(asked, () -> ioUring, () -> new UnsupportedOperationException("io_uring is off"),
                () -> epoll, () -> new UnsupportedOperationException("epoll is off"));
    }

    @Test
    void deadPathProbesAreSetOnAnEpollSocketWithAUserTimeout() throws Exception {
        assertThat(Epoll.isAvailable()).as("epoll on this Linux machine").isTrue();
        MultiThreadIoEventLoopGroup group = TunnelTransport.newEventLoopGroup(1);
        try {
            Channel channel = connected(group);

            assertProbes(channel, 5, EpollChannelOption.TCP_KEEPIDLE, EpollChannelOption.TCP_KEEPINTVL,
                    EpollChannelOption.TCP_KEEPCNT, EpollChannelOption.TCP_USER_TIMEOUT, 8000);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void deadPathProbesAreSetOnAnIoUringSocketWithAUserTimeout() throws Exception {
        assertThat(IoUring.isAvailable()).as("io_uring on this Linux machine: " + IoUring.unavailabilityCause()).isTrue();
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
        try {
            Channel channel = connected(group);
            assertThat(channel).isInstanceOf(IoUringSocketChannel.class);

            assertProbes(channel, 6, IoUringChannelOption.TCP_KEEPIDLE, IoUringChannelOption.TCP_KEEPINTVL,
                    IoUringChannelOption.TCP_KEEPCNT, IoUringChannelOption.TCP_USER_TIMEOUT, 9000);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void onIoUringTheHubCanTellThatThePeersKernelAcknowledgedEverySegment() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
        try {
            Channel channel = connected(group);
            channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[64 * 1024])).sync();

            await().atMost(Duration.ofSeconds(10)).until(() -> TunnelTransport.peerAcknowledgedAll(channel));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void deadPathProbesAreSetOnANioSocket() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel channel = connected(group);

            // NIO has no TCP_USER_TIMEOUT
            assertProbes(channel, 7, NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE),
                    NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL),
                    NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), null, 0);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void onEpollTheHubCanTellThatThePeersKernelAcknowledgedEverySegment() throws Exception {
        MultiThreadIoEventLoopGroup group = TunnelTransport.newEventLoopGroup(1);
        MultiThreadIoEventLoopGroup nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel channel = connected(group);
            channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[64 * 1024])).sync();

            await().atMost(Duration.ofSeconds(10)).until(() -> TunnelTransport.peerAcknowledgedAll(channel));
            assertThat(TunnelTransport.peerAcknowledgedAll(connected(nio))).as("NIO cannot tell").isFalse();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            nio.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** A client channel connected to a server on 127.0.0.1, both on {@code group}. */
    private static Channel connected(MultiThreadIoEventLoopGroup group) throws InterruptedException {
        Channel server = new ServerBootstrap().group(group).channel(TunnelTransport.serverSocketChannel(group))
                .childHandler(new ChannelInboundHandlerAdapter())
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        return new Bootstrap().group(group).channel(TunnelTransport.socketChannel(group))
                .handler(new ChannelInboundHandlerAdapter())
                .connect(server.localAddress()).sync().channel();
    }
}
