package io.codehub.tunnel;

import static io.codehub.tunnel.TunnelTestKit.WAIT;
import static io.codehub.tunnel.TunnelTestKit.awaitSession;
import static io.codehub.tunnel.TunnelTestKit.connector;
import static io.codehub.tunnel.TunnelTestKit.echo;
import static io.codehub.tunnel.TunnelTestKit.post;
import static io.codehub.tunnel.TunnelTestKit.server;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;

/**
 * A hub on loopback with two authenticated agents: {@code good}, which echoes small calls, and
 * {@code evil}, a real connector whose connection the test writes raw HTTP/2 frames into (under the
 * agent's codec, straight to the socket), as an attacker holding a stolen key would. Measures the
 * good agent's call latency, the heap and Netty's pooled memory, and records how the hub ended each
 * evil session (the HTTP/2 error of its close cause) and the GOAWAY the attacker got.
 */
final class HostileAgentRig implements AutoCloseable {

    static final String GOOD = "good";
    static final String EVIL = "evil";

    private final Map<String, CloseReason> reasons = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<@Nullable Throwable>> closes = new ConcurrentHashMap<>();
    private volatile CompletableFuture<EvilConnection> capture = new CompletableFuture<>();
    final TunnelServer server;
    final TunnelConnector good;
    final TunnelConnector evil;

    /** The attacker's side of one session: its raw channel and the GOAWAY code it received. */
    record EvilConnection(Channel channel, CompletableFuture<Long> goAway, String sessionId, int closedStreamId,
            RawRstSpy resets) {
    }

    /** How the hub ended one evil session. */
    record Cut(String sessionId, @Nullable Http2Error hubError, @Nullable Long goAwayCode, long frames, long millis) {
    }

    HostileAgentRig(TunnelLimits limits, IncomingStreamHandlerFactory evilStreams) throws Exception {
        server = server("hub").limits(limits).listener(new TunnelListener() {
            @Override
            public void sessionClosed(TunnelSession session, CloseReason reason, @Nullable Throwable cause) {
                reasons.put(session.sessionId(), reason);
                closes.computeIfAbsent(session.sessionId(), k -> new CompletableFuture<>()).complete(cause);
            }
        }).build();
        InetSocketAddress address = server.start().get(10, TimeUnit.SECONDS);
        good = connector(address, GOOD, echo()).build();
        good.start();
        awaitSession(server, GOOD);
        evil = connector(address, EVIL, capturing(evilStreams)).build();
        evil.start();
    }

    private IncomingStreamHandlerFactory capturing(IncomingStreamHandlerFactory delegate) {
        return (stream, headers, endStream) -> {
            if (!"/capture".equals(String.valueOf(headers.path()))) {
                return delegate.newHandler(stream, headers, endStream);
            }
            Channel parent = ((DefaultTunnelStream) stream).channel().parent();
            CompletableFuture<Long> goAway = new CompletableFuture<>();
            parent.pipeline().addAfter(Http2Pipelines.CODEC, "goaway-spy", new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof Http2GoAwayFrame frame) {
                        goAway.complete(frame.errorCode());
                    }
                    ctx.fireChannelRead(msg);
                }
            });
            parent.closeFuture().addListener(f -> goAway.complete(null));
            RawRstSpy resets = new RawRstSpy();
            parent.pipeline().addBefore(Http2Pipelines.CODEC, "rst-spy", resets);
            String sessionId = String.valueOf(headers.get("x-session"));
            capture.complete(new EvilConnection(parent, goAway, sessionId,
                    ((DefaultTunnelStream) stream).channel().stream().id(), resets));
            stream.writeHeaders(new DefaultHttp2Headers().status("200"), true);
            return new TunnelTestKit.Collector();
        };
    }

    /** The evil agent's next session (not one of {@code seen}), with its raw channel. */
    EvilConnection nextEvilConnection(List<String> seen) throws Exception {
        TunnelSession session = await().atMost(WAIT).until(() -> server.session(EVIL).orElse(null),
                s -> s != null && s.isActive() && !seen.contains(s.sessionId()));
        capture = new CompletableFuture<>();
        TunnelStream stream = session.openStream(new TunnelTestKit.Collector()).get(10, TimeUnit.SECONDS);
        stream.request(4);
        stream.writeHeaders(post("/capture").add("x-session", session.sessionId()), true);
        return capture.get(10, TimeUnit.SECONDS);
    }

    /** Opens a hub stream (request headers, no end) that the evil agent holds; its stream id. */
    int heldStream(List<TunnelStream> held) throws Exception {
        int before = held.size();
        TunnelSession session = server.session(EVIL).orElseThrow();
        TunnelStream stream = session.openStream(new TunnelTestKit.Collector()).get(10, TimeUnit.SECONDS);
        stream.request(4);
        stream.writeHeaders(post("/hold"), false);
        await().atMost(WAIT).until(() -> held.size() > before);
        return ((DefaultTunnelStream) held.get(before)).channel().stream().id();
    }

    /** Waits for the hub to end {@code evilConnection} after a one-shot attack; how it ended. */
    Cut awaitCut(EvilConnection evilConnection, long startNanos) throws Exception {
        evilConnection.channel().closeFuture().await(20, TimeUnit.SECONDS);
        long millis = (System.nanoTime() - startNanos) / 1_000_000;
        return new Cut(evilConnection.sessionId(), evilConnection.channel().isActive() ? null
                : hubError(evilConnection.sessionId()), evilConnection.goAway().getNow(null), 0, millis);
    }

    /** Why the hub says {@code sessionId} closed (after {@link #hubError(String)}). */
    @Nullable CloseReason closeReason(String sessionId) {
        return reasons.get(sessionId);
    }

    /** The HTTP/2 error the hub closed {@code sessionId} with (null: closed without one). */
    @Nullable Http2Error hubError(String sessionId) throws Exception {
        Throwable cause = closes.computeIfAbsent(sessionId, k -> new CompletableFuture<>()).get(20, TimeUnit.SECONDS);
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof Http2Exception e) {
                return e.error();
            }
        }
        return null;
    }

    /**
     * Writes {@code frames} (whole frames, any number) into the evil connection again and again, as
     * fast as the socket takes them, until the connection closes, {@code max} passes or
     * {@code maxFrames} were sent; returns how it ended.
     */
    Cut flood(EvilConnection evilConnection, byte[] frames, int framesPerCopy, Duration max, long maxFrames)
            throws Exception {
        Channel ch = evilConnection.channel();
        byte[] batch = repeat(frames, Math.max(1, 32 * 1024 / frames.length));
        long perBatch = (long) framesPerCopy * (batch.length / frames.length);
        AtomicLong sent = new AtomicLong();
        long start = System.nanoTime();
        long deadline = start + max.toNanos();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable pump = new Runnable() {
            @Override
            public void run() {
                while (ch.isActive() && ch.isWritable() && System.nanoTime() < deadline && sent.get() < maxFrames) {
                    ch.pipeline().firstContext().write(Unpooled.wrappedBuffer(batch));
                    sent.addAndGet(perBatch);
                }
                ch.flush();
                if (!ch.isActive() || System.nanoTime() >= deadline || sent.get() >= maxFrames) {
                    done.complete(null);
                } else {
                    ch.eventLoop().schedule(this, 200, TimeUnit.MICROSECONDS);
                }
            }
        };
        ch.eventLoop().execute(pump);
        done.get(max.toMillis() + 20_000, TimeUnit.MILLISECONDS);
        ch.closeFuture().await(10, TimeUnit.SECONDS);
        long millis = (System.nanoTime() - start) / 1_000_000;
        Long goAway = evilConnection.goAway().getNow(null);
        return new Cut(evilConnection.sessionId(), ch.isActive() ? null : hubError(evilConnection.sessionId()),
                goAway, sent.get(), millis);
    }

    /** Writes {@code frames} once into the evil connection. */
    void send(EvilConnection evilConnection, byte[] frames) {
        Channel ch = evilConnection.channel();
        ch.eventLoop().execute(() -> ch.pipeline().firstContext().writeAndFlush(Unpooled.wrappedBuffer(frames)));
    }

    /** One small call to the good agent (a 16-byte echo), in nanoseconds. */
    long goodCall() throws Exception {
        long start = System.nanoTime();
        TunnelSession session = server.session(GOOD).orElseThrow();
        TunnelTestKit.Collector collector = new TunnelTestKit.Collector();
        TunnelStream stream = session.openStream(collector).get(10, TimeUnit.SECONDS);
        collector.attach(stream);
        stream.writeHeaders(post("/echo"), false);
        stream.writeData(Unpooled.wrappedBuffer(new byte[16]), true);
        collector.body.get(10, TimeUnit.SECONDS);
        return System.nanoTime() - start;
    }

    /** {@code count} sequential good calls; their latencies in nanoseconds. */
    List<Long> goodCalls(int count) throws Exception {
        List<Long> latencies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            latencies.add(goodCall());
        }
        return latencies;
    }

    /** Good calls, one after the other, for as long as {@code running} is not done (and at least {@code min}). */
    List<Long> goodCallsWhile(CompletableFuture<?> running, int min) throws Exception {
        List<Long> latencies = new ArrayList<>();
        while (!running.isDone() || latencies.size() < min) {
            latencies.add(goodCall());
        }
        return latencies;
    }

    static double p99Millis(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        int index = Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1);
        return sorted.get(Math.max(0, index)) / 1e6;
    }

    /** Heap in use after a full collection, in bytes. */
    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Bytes Netty's pooled allocator holds (heap and direct arenas). */
    static long pooledMemory() {
        var metric = PooledByteBufAllocator.DEFAULT.metric();
        return metric.usedDirectMemory() + metric.usedHeapMemory();
    }

    /** An HTTP/2 frame (RFC 9113 §4.1). */
    static byte[] frame(int type, int flags, int streamId, byte[] payload) {
        ByteBuf buf = Unpooled.buffer(9 + payload.length);
        buf.writeMedium(payload.length).writeByte(type).writeByte(flags).writeInt(streamId).writeBytes(payload);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        buf.release();
        return bytes;
    }

    static byte[] concat(byte[]... parts) {
        ByteBuf buf = Unpooled.buffer();
        for (byte[] part : parts) {
            buf.writeBytes(part);
        }
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        buf.release();
        return bytes;
    }

    static byte[] repeat(byte[] bytes, int times) {
        byte[] out = new byte[bytes.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(bytes, 0, out, i * bytes.length, bytes.length);
        }
        return out;
    }

    /** A stream handler for the evil agent that accepts every stream and never answers. */
    static IncomingStreamHandlerFactory silent(List<TunnelStream> held) {
        return (stream, headers, endStream) -> {
            held.add(stream);
            return new TunnelStreamHandler() {
                @Override
                public void onHeaders(Http2Headers h, boolean end) {
                }

                @Override
                public void onData(ByteBuf data, boolean end) {
                    data.release();
                }
            };
        };
    }

    @Override
    public void close() throws Exception {
        try {
            evil.stop().get(10, TimeUnit.SECONDS);
            good.stop().get(10, TimeUnit.SECONDS);
        } finally {
            server.close().get(10, TimeUnit.SECONDS);
        }
    }
}
