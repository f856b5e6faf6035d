package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * A loopback TCP relay for tests, in one of two modes: a plain forwarder to a fixed target that
 * can freeze its current connections (stop forwarding without FIN or RST, a half-open path), or
 * an HTTP CONNECT proxy that records the authorities it was asked for. Binds 127.0.0.1 only.
 */
final class TestRelay implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final List<AtomicBoolean> frozen = new CopyOnWriteArrayList<>();
    final List<String> connectRequests = new CopyOnWriteArrayList<>();
    private final Channel listener;

    private TestRelay(InetSocketAddress target, boolean proxy) throws InterruptedException {
        listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (proxy) {
                            ch.pipeline().addLast("http", new HttpServerCodec()).addLast(new ConnectHandler());
                            ch.read();
                        } else {
                            AtomicBoolean freeze = new AtomicBoolean();
                            frozen.add(freeze);
                            dial(ch, target, freeze, null);
                        }
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    static TestRelay forwarder(InetSocketAddress target) throws InterruptedException {
        return new TestRelay(target, false);
    }

    static TestRelay connectProxy() throws InterruptedException {
        return new TestRelay(null, true);
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Every connection open now stops forwarding, silently, in both directions. */
    void freezeCurrentConnections() {
        frozen.forEach(f -> f.set(true));
    }

    private void dial(Channel inbound, InetSocketAddress target, AtomicBoolean freeze, Runnable onConnected) {
        new Bootstrap().group(inbound.eventLoop()).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new Forward(inbound, freeze))
                .connect(target).addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        inbound.close();
                        return;
                    }
                    inbound.pipeline().addLast(new Forward(f.channel(), freeze));
                    if (onConnected != null) {
                        onConnected.run();
                    }
                    inbound.read();
                    f.channel().read();
                });
    }

    /** Copies bytes to {@code peer}, reading again after each write (or dropping them when frozen). */
    private static final class Forward extends ChannelInboundHandlerAdapter {
        private final Channel peer;
        private final AtomicBoolean freeze;

        Forward(Channel peer, AtomicBoolean freeze) {
            this.peer = peer;
            this.freeze = freeze;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (freeze.get()) {
                ReferenceCountUtil.release(msg);
                ctx.read();
                return;
            }
            peer.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    ctx.read();
                } else {
                    ctx.close();
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!freeze.get()) {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Answers one CONNECT (loopback targets only), then becomes a plain forwarder. */
    private final class ConnectHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof HttpRequest request)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            connectRequests.add(request.method() + " " + request.uri());
            String[] hostPort = request.uri().split(":");
            if (!HttpMethod.CONNECT.equals(request.method()) || !hostPort[0].equals("127.0.0.1")) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FORBIDDEN))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.pipeline().remove(this);
            dial(ctx.channel(), new InetSocketAddress("127.0.0.1", Integer.parseInt(hostPort[1])),
                    new AtomicBoolean(), () -> {
                        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
                        ctx.pipeline().remove("http");
                    });
        }
    }

    @Override
    public void close() throws InterruptedException {
        listener.close().sync();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
    }
}
