package io.codehub.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The HTTP/1.1 side of {@code bench gateway}: keep-alive connections to a {@link GatewayTarget}
 * on 127.0.0.1, driven from their event loops (the next request leaves from the handler that read
 * the last answer, so the client adds no thread hop). Requests are bytes built once and written
 * as duplicates; responses go through Netty's decoder and are counted, not kept.
 *
 * <p>Every measure is bounded in count and time and fails with the target and what went wrong
 * when the app, or the gateway, answers anything but what is expected.
 */
final class HttpLoad {

    /** Connections of the throughput measure. */
    static final int CONNECTIONS = 64;
    /** What {@code GET /hello} on the sample app's port 8080 answers. */
    private static final int HELLO_LENGTH = "hello from port 8080\n".length();
    private static final int CHUNK = 64 * 1024;
    private static final ByteBuf UPLOAD_CHUNK = uploadChunk();
    private static final Pattern SHA_ANSWER = Pattern.compile("\"bytes\":\\s*(\\d+),\\s*\"sha256\":\\s*\"([0-9a-f]{64})\"");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

    /** Sequential round trips: their durations in nanoseconds, sorted. */
    record Latency(long[] sortedNanos) {

        /** The round trips of several measures of one path together. */
        static Latency pooled(List<Latency> measures) {
            long[] all = measures.stream().flatMapToLong(m -> Arrays.stream(m.sortedNanos)).sorted().toArray();
            return new Latency(all);
        }

        double p50Micros() {
            return percentile(sortedNanos, 50) / 1000.0;
        }

        double p99Micros() {
            return percentile(sortedNanos, 99) / 1000.0;
        }

        int samples() {
            return sortedNanos.length;
        }
    }

    private final EventLoopGroup group;

    HttpLoad(EventLoopGroup group) {
        this.group = group;
    }

    /**
     * One keep-alive connection, {@code GET /hello} after {@code GET /hello}: {@code warmup}
     * requests (at most {@code limit} long), then up to {@code maxSamples} measured ones within
     * {@code limit}.
     */
    Latency latency(GatewayTarget target, int warmup, int maxSamples, Duration limit) throws Exception {
        ByteBuf hello = target.get("/hello");
        Sequential gets = new Sequential(target, hello, warmup, maxSamples, limit.toNanos());
        try {
            Channel channel = connect(target, gets);
            try {
                channel.eventLoop().execute(gets::start);
                await(gets.done, limit.multipliedBy(2).plusSeconds(30), target, "sequential GET /hello");
            } finally {
                channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        } finally {
            hello.release();
        }
        long[] samples = gets.trips.sorted();
        if (samples.length == 0) {
            throw new IllegalStateException(target + ": no GET /hello completed within " + limit);
        }
        return new Latency(samples);
    }

    /**
     * {@link #CONNECTIONS} keep-alive connections each sending {@code GET /hello} after
     * {@code GET /hello}: answers per second over {@code duration}, after {@code warmup} at full load.
     */
    double requestsPerSecond(GatewayTarget target, Duration warmup, Duration duration) throws Exception {
        return requestsPerSecond(target, CONNECTIONS, warmup, duration);
    }

    /** As {@link #requestsPerSecond(GatewayTarget, Duration, Duration)}, on {@code connections} connections. */
    double requestsPerSecond(GatewayTarget target, int connections, Duration warmup, Duration duration)
            throws Exception {
        if (connections <= 0) {
            throw new IllegalArgumentException("connections: " + connections + " (expected: > 0)");
        }
        List<Channel> channels = new ArrayList<>();
        List<Repeated> handlers = new ArrayList<>();
        ByteBuf hello = target.get("/hello");
        try {
            for (int i = 0; i < connections; i++) {
                Repeated handler = new Repeated(target, hello);
                channels.add(connect(target, handler));
                handlers.add(handler);
            }
            long from = System.nanoTime() + warmup.toNanos();
            long until = from + duration.toNanos();
            for (int i = 0; i < connections; i++) {
                Repeated handler = handlers.get(i);
                channels.get(i).eventLoop().execute(() -> handler.start(from, until));
            }
            long answered = 0;
            for (Repeated handler : handlers) {
                await(handler.done, warmup.plus(duration).plusSeconds(30), target, connections + " connections of GET /hello");
                answered += handler.counted;
            }
            return answered / (duration.toNanos() / 1e9);
        } finally {
            channels.forEach(Channel::close);
            channels.forEach(c -> c.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS));
            hello.release();
        }
    }

    /** One {@code GET /bytes?n=<bytes>}: MB/s (10^6 bytes) from the request to the last byte; the length is checked. */
    double download(GatewayTarget target, long bytes) throws Exception {
        Download download = new Download(target, bytes);
        Channel channel = connect(target, download);
        try {
            channel.eventLoop().execute(download::start);
            await(download.done, Duration.ofMinutes(5), target, "GET /bytes?n=" + bytes);
            return bytes / 1e6 / ((download.endNanos - download.startNanos) / 1e9);
        } finally {
            channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /**
     * One {@code POST /sha256} of {@code bytes} bytes (a 64 KiB pattern over and over): MB/s from
     * the first byte sent to the app's answer, whose byte count and SHA-256 are checked.
     */
    double upload(GatewayTarget target, long bytes) throws Exception {
        String expected = expectedSha256(bytes);
        Upload upload = new Upload(target, bytes, expected);
        Channel channel = connect(target, upload);
        try {
            channel.eventLoop().execute(upload::start);
            await(upload.done, Duration.ofMinutes(5), target, "POST /sha256 of " + bytes + " bytes");
            return bytes / 1e6 / ((upload.endNanos - upload.startNanos) / 1e9);
        } finally {
            channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private Channel connect(GatewayTarget target, ChannelInboundHandlerAdapter handler) throws InterruptedException {
        ChannelFuture connected = new Bootstrap()
                .group(group)
                .channel(TunnelTransport.socketChannel(group))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // Large chunks: a download's bytes arrive as the socket reads them, not cut to 8 KiB.
                        ch.pipeline().addLast(new HttpResponseDecoder(new HttpDecoderConfig().setMaxChunkSize(1024 * 1024)));
                        ch.pipeline().addLast(handler);
                    }
                })
                .connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target.port()));
        if (!connected.await(CONNECT_TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS) || !connected.isSuccess()) {
            connected.channel().close();
            throw new IllegalStateException(target + ": cannot connect: " + connected.cause());
        }
        return connected.channel();
    }

    static void await(CompletableFuture<?> done, Duration limit, GatewayTarget target, String what) throws Exception {
        try {
            done.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(target + ": " + what + " did not finish within " + limit, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(target + ": " + what + " failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static long percentile(long[] sorted, int percentile) {
        int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    /** The hex SHA-256 of what {@link Upload} sends for {@code bytes}. */
    static String expectedSha256(long bytes) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] chunk = new byte[CHUNK];
        UPLOAD_CHUNK.getBytes(0, chunk);
        for (long left = bytes; left > 0; left -= CHUNK) {
            digest.update(chunk, 0, (int) Math.min(CHUNK, left));
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static ByteBuf uploadChunk() {
        ByteBuf chunk = Unpooled.directBuffer(CHUNK);
        for (int i = 0; i < CHUNK; i++) {
            chunk.writeByte((i * 31 + 7) & 0xff);
        }
        return Unpooled.unreleasableBuffer(chunk.asReadOnly());
    }

    /**
     * Reads one response at a time off a keep-alive connection and hands each, complete, to
     * {@link #answered}; a closed connection or a decoding failure before {@link #done} fails it.
     * Event loop only.
     */
    private abstract static class Exchanges extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final GatewayTarget target;
        Channel channel;
        private int status;
        private long contentLength;
        private long body;

        Exchanges(GatewayTarget target) {
            this.target = target;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (done.isDone()) {
                    return;
                }
                if (msg instanceof HttpResponse response) {
                    if (response.decoderResult().isFailure()) {
                        fail("an answer that is not HTTP/1.1: " + response.decoderResult().cause());
                        return;
                    }
                    status = response.status().code();
                    contentLength = HttpUtil.getContentLength(response, -1L);
                    body = 0;
                }
                if (msg instanceof HttpContent content) {
                    body += content.content().readableBytes();
                    content(content.content());
                    if (content instanceof LastHttpContent) {
                        answered(status, contentLength, body);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        /** Called for each piece of a body, before the last. */
        void content(ByteBuf content) {
        }

        abstract void answered(int status, long contentLength, long bodyBytes);

        void fail(String why) {
            if (done.completeExceptionally(new IllegalStateException(why))) {
                channel.close();
            }
        }

        void expect(int status, long contentLength, long bodyBytes, long expectedLength) {
            if (status != 200 || bodyBytes != expectedLength || (contentLength >= 0 && contentLength != expectedLength)) {
                fail("answered " + status + " with Content-Length " + contentLength + " and " + bodyBytes
                        + " body bytes (expected 200 with " + expectedLength + ")");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause.toString());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail("the connection closed");
        }
    }

    /** Sequential {@code GET /hello}: warm-up, then measured round trips. */
    private static final class Sequential extends Exchanges {
        private final ByteBuf request;
        final RoundTrips trips;

        Sequential(GatewayTarget target, ByteBuf request, int warmup, int maxSamples, long limitNanos) {
            super(target);
            this.request = request;
            this.trips = new RoundTrips(warmup, maxSamples, limitNanos);
        }

        void start() {
            trips.start();
            send();
        }

        private void send() {
            trips.sent();
            channel.writeAndFlush(request.retainedDuplicate(), channel.voidPromise());
        }

        @Override
        void answered(int status, long contentLength, long bodyBytes) {
            expect(status, contentLength, bodyBytes, HELLO_LENGTH);
            if (done.isDone()) {
                return;
            }
            if (trips.answered()) {
                send();
            } else {
                done.complete(null);
            }
        }
    }

    /** {@code GET /hello} after {@code GET /hello}, counting answers between two instants. */
    private static final class Repeated extends Exchanges {
        private final ByteBuf request;
        private long from;
        private long until;
        long counted;

        Repeated(GatewayTarget target, ByteBuf request) {
            super(target);
            this.request = request;
        }

        void start(long from, long until) {
            this.from = from;
            this.until = until;
            channel.writeAndFlush(request.retainedDuplicate(), channel.voidPromise());
        }

        @Override
        void answered(int status, long contentLength, long bodyBytes) {
            expect(status, contentLength, bodyBytes, HELLO_LENGTH);
            if (done.isDone()) {
                return;
            }
            long now = System.nanoTime();
            if (now >= until) {
                done.complete(null);
                return;
            }
            if (now >= from) {
                counted++;
            }
            channel.writeAndFlush(request.retainedDuplicate(), channel.voidPromise());
        }
    }

    /** One {@code GET /bytes?n=N}, counted as it arrives. */
    private static final class Download extends Exchanges {
        private final long bytes;
        long startNanos;
        long endNanos;

        Download(GatewayTarget target, long bytes) {
            super(target);
            this.bytes = bytes;
        }

        void start() {
            startNanos = System.nanoTime();
            channel.writeAndFlush(target.get("/bytes?n=" + bytes), channel.voidPromise());
        }

        @Override
        void answered(int status, long contentLength, long bodyBytes) {
            endNanos = System.nanoTime();
            expect(status, contentLength, bodyBytes, bytes);
            done.complete(null);
        }
    }

    /** One {@code POST /sha256}: the body written while the connection is writable, the answer checked. */
    private static final class Upload extends Exchanges {
        private final long bytes;
        private final String expectedSha;
        private final StringBuilder answer = new StringBuilder();
        private long sent;
        long startNanos;
        long endNanos;

        Upload(GatewayTarget target, long bytes, String expectedSha) {
            super(target);
            this.bytes = bytes;
            this.expectedSha = expectedSha;
        }

        void start() {
            startNanos = System.nanoTime();
            channel.write(target.postHead("/sha256", bytes), channel.voidPromise());
            pump();
        }

        private void pump() {
            while (sent < bytes && channel.isWritable()) {
                int size = (int) Math.min(CHUNK, bytes - sent);
                sent += size;
                channel.write(UPLOAD_CHUNK.duplicate().writerIndex(size), channel.voidPromise());
            }
            channel.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && sent < bytes) {
                pump();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        void content(ByteBuf content) {
            if (answer.length() < 4096) {
                answer.append(content.toString(StandardCharsets.UTF_8));
            }
        }

        @Override
        void answered(int status, long contentLength, long bodyBytes) {
            endNanos = System.nanoTime();
            Matcher m = SHA_ANSWER.matcher(answer);
            if (status != 200 || sent != bytes || !m.find()) {
                fail("answered " + status + " '" + answer.toString().trim() + "' after " + sent + " of " + bytes
                        + " bytes were sent (expected 200 with the byte count and SHA-256)");
            } else if (Long.parseLong(m.group(1)) != bytes || !m.group(2).equals(expectedSha)) {
                fail("the app received " + m.group(1) + " bytes with SHA-256 " + m.group(2) + " (expected " + bytes
                        + " bytes with " + expectedSha + ")");
            } else {
                done.complete(null);
            }
        }
    }
}
