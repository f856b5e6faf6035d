package io.codehub.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.codehub.tunnel.TunnelTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * The WebSocket side of {@code bench gateway}: sockets to the sample app's echo ({@code /ws}) on a
 * {@link GatewayTarget}, opened with the target's {@code Host}, {@code Origin} and token, then
 * driven from their event loops with small binary messages (masked, as a browser sends them).
 * Every measure is bounded in count and time.
 */
final class WebSocketLoad {

    /** Sockets of the throughput measure. */
    static final int SOCKETS = 64;
    /** Messages each socket of the throughput measure keeps in flight. */
    static final int IN_FLIGHT = 32;
    private static final int MESSAGE_SIZE = 32;
    private static final ByteBuf MESSAGE = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(MESSAGE_SIZE).writeZero(MESSAGE_SIZE).asReadOnly());
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(20);

    /** Idle sockets, held open until closed. */
    record Idle(List<Channel> channels, int failed, String firstFailure) implements AutoCloseable {
        @Override
        public void close() {
            channels.forEach(Channel::close);
            channels.forEach(c -> c.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS));
        }
    }

    private final EventLoopGroup group;

    WebSocketLoad(EventLoopGroup group) {
        this.group = group;
    }

    /**
     * One socket, one message after another, each sent when the previous echo arrived:
     * {@code warmup} round trips, then up to {@code maxSamples} within {@code limit}.
     */
    HttpLoad.Latency echoes(GatewayTarget target, int warmup, int maxSamples, Duration limit) throws Exception {
        Echoes echoes = new Echoes(warmup, maxSamples, limit.toNanos());
        Channel channel = open(target, echoes);
        try {
            HttpLoad.await(echoes.opened, HANDSHAKE_TIMEOUT.plusSeconds(5), target, "the WebSocket handshake");
            channel.eventLoop().execute(echoes::start);
            HttpLoad.await(echoes.done, limit.multipliedBy(2).plusSeconds(30), target, "sequential WebSocket echoes");
        } finally {
            channel.close();
        }
        long[] samples = echoes.trips.sorted();
        if (samples.length == 0) {
            throw new IllegalStateException(target + ": no WebSocket echo within " + limit);
        }
        return new HttpLoad.Latency(samples);
    }

    /**
     * {@link #SOCKETS} sockets, each keeping {@link #IN_FLIGHT} messages in flight: echoes per
     * second received over {@code duration}, after {@code warmup} at full load.
     */
    double messagesPerSecond(GatewayTarget target, Duration warmup, Duration duration) throws Exception {
        List<Channel> channels = new ArrayList<>();
        List<Pipelined> handlers = new ArrayList<>();
        try {
            for (int i = 0; i < SOCKETS; i++) {
                Pipelined handler = new Pipelined();
                channels.add(open(target, handler));
                handlers.add(handler);
            }
            for (Pipelined handler : handlers) {
                HttpLoad.await(handler.opened, HANDSHAKE_TIMEOUT.plusSeconds(5), target, "a WebSocket handshake");
            }
            long from = System.nanoTime() + warmup.toNanos();
            long until = from + duration.toNanos();
            for (int i = 0; i < SOCKETS; i++) {
                Pipelined handler = handlers.get(i);
                channels.get(i).eventLoop().execute(() -> handler.start(from, until));
            }
            long echoed = 0;
            for (Pipelined handler : handlers) {
                HttpLoad.await(handler.done, warmup.plus(duration).plusSeconds(30), target, "64 pipelining WebSockets");
                echoed += handler.counted;
            }
            return echoed / (duration.toNanos() / 1e9);
        } finally {
            channels.forEach(Channel::close);
        }
    }

    /**
     * Opens {@code count} sockets that then stay idle, at most {@code concurrency} handshakes at a
     * time, all within {@code limit}, until the first handshake fails; those not open are counted
     * as failed and the first failure kept.
     */
    Idle openIdle(GatewayTarget target, int count, int concurrency, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        Semaphore slots = new Semaphore(concurrency);
        List<Channel> open = new ArrayList<>();
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> firstFailure = new AtomicReference<>("");
        // Stops starting handshakes at the first failure: a limit reached is the finding, and handshakes
        // refused after it would only churn the hub's memory before it is measured.
        for (int i = 0; i < count && System.nanoTime() < deadline && failed.get() == 0; i++) {
            if (!slots.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                break;
            }
            Handshake handler = new Handshake();
            Channel channel;
            try {
                channel = open(target, handler);
            } catch (IllegalStateException e) {
                slots.release();
                failed.incrementAndGet();
                firstFailure.compareAndSet("", e.getMessage());
                continue;
            }
            handler.opened.whenComplete((ok, error) -> {
                if (error != null) {
                    failed.incrementAndGet();
                    firstFailure.compareAndSet("", error.getMessage());
                    channel.close();
                } else {
                    synchronized (open) {
                        open.add(channel);
                    }
                }
                slots.release();
            });
        }
        // Every handshake still running ends (or times out) within HANDSHAKE_TIMEOUT.
        if (!slots.tryAcquire(concurrency, HANDSHAKE_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS)) {
            throw new IllegalStateException(target + ": WebSocket handshakes still running "
                    + HANDSHAKE_TIMEOUT.plusSeconds(10) + " after the last was started");
        }
        synchronized (open) {
            int missing = count - open.size() - failed.get();
            String why = !firstFailure.get().isEmpty() ? firstFailure.get()
                    : missing > 0 ? missing + " not started within " + limit : "";
            return new Idle(List.copyOf(open), failed.get() + missing, why);
        }
    }

    private Channel open(GatewayTarget target, WebSocketHandler handler) throws InterruptedException {
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(target.webSocketUri())
                .customHeaders(target.webSocketHeaders())
                .generateOriginHeader(false)
                .handshakeTimeoutMillis(HANDSHAKE_TIMEOUT.toMillis())
                .dropPongFrames(true)
                .withUTF8Validator(false)
                .build();
        ChannelFuture connected = new Bootstrap()
                .group(group)
                .channel(TunnelTransport.socketChannel(group))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 15_000)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                                new WebSocketClientProtocolHandler(config), handler);
                    }
                })
                .connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target.port()));
        if (!connected.await(20, TimeUnit.SECONDS) || !connected.isSuccess()) {
            connected.channel().close();
            throw new IllegalStateException(target + ": cannot connect: " + connected.cause());
        }
        return connected.channel();
    }

    /**
     * A socket's handler: {@link #opened} completes with the handshake, {@link #done} with the
     * measure; echoes (binary frames of {@link #MESSAGE_SIZE} bytes) go to {@link #echoed}.
     * Event loop only.
     */
    private abstract static class WebSocketHandler extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Void> opened = new CompletableFuture<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        Channel channel;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                opened.complete(null);
            } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                fail("no handshake answer within " + HANDSHAKE_TIMEOUT);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof BinaryWebSocketFrame frame && frame.content().readableBytes() == MESSAGE_SIZE) {
                    echoed();
                } else if (msg instanceof WebSocketFrame frame) {
                    fail("an unexpected " + frame.getClass().getSimpleName() + " of " + frame.content().readableBytes()
                            + " bytes (expected the echo of " + MESSAGE_SIZE + " bytes)");
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        void echoed() {
        }

        void send() {
            channel.write(new BinaryWebSocketFrame(MESSAGE.duplicate()), channel.voidPromise());
        }

        void fail(String why) {
            IllegalStateException failure = new IllegalStateException(why);
            boolean first = opened.completeExceptionally(failure);
            first |= done.completeExceptionally(failure);
            if (first) {
                channel.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause.getMessage() != null ? cause.getMessage() : cause.toString());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail("the connection closed");
        }
    }

    /** Only the handshake. */
    private static final class Handshake extends WebSocketHandler {
    }

    /** Sequential echoes: warm-up, then measured round trips. */
    private static final class Echoes extends WebSocketHandler {
        final RoundTrips trips;

        Echoes(int warmup, int maxSamples, long limitNanos) {
            this.trips = new RoundTrips(warmup, maxSamples, limitNanos);
        }

        void start() {
            trips.start();
            next();
        }

        private void next() {
            trips.sent();
            send();
            channel.flush();
        }

        @Override
        void echoed() {
            if (done.isDone()) {
                return;
            }
            if (trips.answered()) {
                next();
            } else {
                done.complete(null);
            }
        }
    }

    /** {@link #IN_FLIGHT} messages in flight; each echo sends the next until {@code until}. */
    private static final class Pipelined extends WebSocketHandler {
        private long from;
        private long until;
        private int inFlight;
        long counted;

        void start(long from, long until) {
            this.from = from;
            this.until = until;
            for (int i = 0; i < IN_FLIGHT; i++) {
                send();
            }
            inFlight = IN_FLIGHT;
            channel.flush();
        }

        @Override
        void echoed() {
            if (done.isDone()) {
                return;
            }
            inFlight--;
            long now = System.nanoTime();
            if (now < until) {
                if (now >= from) {
                    counted++;
                }
                send();
                inFlight++;
            } else if (inFlight == 0) {
                done.complete(null);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            ctx.fireChannelReadComplete();
        }
    }
}
