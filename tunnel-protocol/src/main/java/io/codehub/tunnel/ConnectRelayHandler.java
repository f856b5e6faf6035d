package io.codehub.tunnel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;

/**
 * One CONNECT stream and its upstream socket, both on the stream's event loop. See
 * {@link ConnectRelay} for the answers and the back-pressure rules.
 */
final class ConnectRelayHandler implements TunnelStreamHandler {

    private static final System.Logger LOG = System.getLogger(ConnectRelayHandler.class.getName());

    /**
     * How much one read of the upstream socket takes: Netty's adaptive guess, from 64 bytes up to
     * {@link TunnelLimits#DEFAULT_MAX_FRAME_SIZE} (Netty's default stops at 64 KiB), so that a bulk
     * answer leaves in DATA frames of the tunnel's largest size, one per read, and an interactive
     * stream (a WebSocket's keystrokes) keeps small buffers. The relay reads again only after a
     * chunk was written, so a stream holds at most one such buffer.
     */
    private static final AdaptiveRecvByteBufAllocator UPSTREAM_READS =
            new AdaptiveRecvByteBufAllocator(64, 16 * 1024, TunnelLimits.DEFAULT_MAX_FRAME_SIZE);

    private final DefaultTunnelStream stream;
    private final Duration connectTimeout;
    private final TunnelObserver observer;
    private @Nullable Channel upstream;
    private boolean streamClosed;
    private boolean sentEnd;

    ConnectRelayHandler(DefaultTunnelStream stream, Duration connectTimeout, TunnelObserver observer) {
        this.stream = stream;
        this.connectTimeout = connectTimeout;
        this.observer = observer;
    }

    void resolveAndConnect(String host, int port, Executor resolver) {
        try {
            resolver.execute(() -> {
                try {
                    InetAddress address = InetAddress.getByName(host);
                    stream.eventLoop().execute(() -> connect(new InetSocketAddress(address, port)));
                } catch (UnknownHostException e) {
                    stream.eventLoop().execute(() -> unreachable(host + ":" + port, e));
                }
            });
        } catch (RejectedExecutionException e) {
            unreachable(host + ":" + port, e);
        }
    }

    void connect(String host, int port) {
        connect(new InetSocketAddress(host, port));
    }

    @SuppressWarnings("unchecked")
    private void connect(InetSocketAddress target) {
        if (streamClosed) {
            return;
        }
        Channel parent = stream.channel().parent();
        new Bootstrap()
                .group(stream.eventLoop())
                .channel((Class<? extends Channel>) parent.getClass())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, UPSTREAM_READS)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .handler(new Upstream())
                .connect(target)
                .addListener(f -> {
                    Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
                    if (!f.isSuccess()) {
                        unreachable(target.toString(), f.cause());
                    } else if (streamClosed) {
                        ch.close();
                    } else {
                        upstream = ch;
                        observer.connectStreamOpened();
                        stream.writeHeaders(new DefaultHttp2Headers().status("200"), false);
                        stream.request(1);
                        ch.read();
                    }
                });
    }

    private void unreachable(String target, Throwable cause) {
        LOG.log(System.Logger.Level.INFO, "CONNECT to {0} failed on session {1}: {2}", target, stream.sessionId(), cause);
        if (!streamClosed) {
            stream.writeHeaders(new DefaultHttp2Headers().status("502"), true);
        }
    }

    @Override
    public void onHeaders(Http2Headers headers, boolean endStream) {
        if (endStream) {
            shutdownUpstreamOutput();
        } else {
            stream.request(1);
        }
    }

    @Override
    public void onData(ByteBuf data, boolean endStream) {
        Channel up = upstream;
        if (up == null || !up.isActive()) {
            data.release();
            return;
        }
        observer.connectBytesToUpstream(data.readableBytes());
        up.writeAndFlush(data).addListener(f -> {
            if (!f.isSuccess()) {
                stream.reset(Http2Error.CONNECT_ERROR);
                up.close();
            } else if (endStream) {
                shutdownUpstreamOutput();
            } else {
                stream.request(1);
            }
        });
    }

    @Override
    public void onReset(Http2Error error) {
        closeUpstream();
    }

    @Override
    public void onClosed() {
        streamClosed = true;
        if (upstream != null) {
            observer.connectStreamClosed();
        }
        closeUpstream();
    }

    private void shutdownUpstreamOutput() {
        if (upstream instanceof SocketChannel socket && socket.isActive()) {
            socket.shutdownOutput();
        }
    }

    private void closeUpstream() {
        Channel up = upstream;
        if (up != null) {
            up.close();
        }
    }

    private void endStream() {
        if (!sentEnd && !streamClosed) {
            sentEnd = true;
            stream.writeData(Unpooled.EMPTY_BUFFER, true);
        }
    }

    /** The upstream socket's handler: reads one chunk at a time, each after the last was sent. */
    private final class Upstream extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = (ByteBuf) msg;
            if (streamClosed || sentEnd) {
                data.release();
                return;
            }
            observer.connectBytesFromUpstream(data.readableBytes());
            stream.writeData(data, false).whenComplete((v, error) -> {
                if (error == null) {
                    ctx.read();
                } else {
                    ctx.close();
                }
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                endStream();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(System.Logger.Level.DEBUG, "upstream of CONNECT stream on session " + stream.sessionId()
                    + " failed", cause);
            if (!streamClosed) {
                stream.reset(Http2Error.CONNECT_ERROR);
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            endStream();
            ctx.fireChannelInactive();
        }
    }
}
