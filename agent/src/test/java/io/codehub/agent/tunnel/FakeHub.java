package io.codehub.agent.tunnel;

import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.TunnelException;
import io.codehub.tunnel.TunnelServer;
import io.codehub.tunnel.TunnelServerBuilder;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.TunnelStreamHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.ssl.SslContext;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An in-process hub for tests: a {@link TunnelServer} on 127.0.0.1 that accepts one agent's API
 * key, and a client that sends requests and CONNECT streams to that agent over its session.
 */
final class FakeHub implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final TunnelServer server;
    private final InetSocketAddress address;
    private final String agentId;
    private final AtomicInteger unopened = new AtomicInteger();

    FakeHub(String agentId, String apiKey) {
        this(agentId, apiKey, null);
    }

    /** With {@code tls}, the tunnel port speaks TLS only. */
    FakeHub(String agentId, String apiKey, @Nullable SslContext tls) {
        this(agentId, builder -> builder
                .sslContext(tls)
                .authenticator(request -> CompletableFuture.completedFuture(
                        apiKey.equals(request.apiKey()) || ("ticket-" + agentId).equals(request.resumptionTicket())
                                ? AuthDecision.accept(agentId, "ticket-" + agentId)
                                : AuthDecision.reject(401, "unknown credential", null))));
    }

    /** A hub whose TLS, authenticator and endpoints {@code configure} sets. */
    FakeHub(String agentId, UnaryOperator<TunnelServerBuilder> configure) {
        this.agentId = agentId;
        this.server = configure.apply(TunnelServer.builder()
                        .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                        .hubId("fake-hub")
                        .ioThreads(1))
                .build();
        this.address = server.start().join();
    }

    String url() {
        return "tcp://127.0.0.1:" + address.getPort();
    }

    /** The TLS hub by name: {@code localhost} resolves to loopback and is the test certificate's name. */
    String tlsUrl() {
        return "tls://localhost:" + address.getPort();
    }

    int port() {
        return address.getPort();
    }

    TunnelSession awaitSession() {
        return await().atMost(WAIT).until(() -> server.session(agentId).orElse(null), s -> s != null);
    }

    /** One request/response exchange over the agent's session. */
    Reply send(String method, String path, @Nullable String authorization, @Nullable String contentType,
            byte @Nullable [] body, boolean declareLength) throws Exception {
        Http2Headers headers = new DefaultHttp2Headers().method(method).scheme("http").authority("agent").path(path);
        if (authorization != null) {
            headers.set("authorization", authorization);
        }
        if (contentType != null) {
            headers.set("content-type", contentType);
        }
        if (body != null && declareLength) {
            headers.set("content-length", Integer.toString(body.length));
        }
        for (int attempt = 1; ; attempt++) {
            Collector collector = new Collector();
            TunnelStream stream = openStream(collector);
            collector.attach(stream);
            stream.writeHeaders(headers, body == null);
            if (body != null) {
                writeChunks(stream, body, 0);
            }
            try {
                byte[] bytes = collector.body.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                return new Reply(collector.headers.get(), bytes);
            } catch (ExecutionException e) {
                // REFUSED_STREAM before any answer: the agent never processed the stream (it crossed
                // the agent's final GOAWAY on a session being replaced), so it is sent again, as the
                // real hub's RemoteRuntime does with an unprocessed call; counted with unopenedStreams.
                if (attempt == 3 || collector.refusedUnanswered == null) {
                    throw e;
                }
                unopened.incrementAndGet();
            }
        }
    }

    /**
     * Opens a stream on the agent's current session. A session the agent just replaced refuses new
     * streams before anything is sent (it is draining); the stream is then opened on the session
     * that replaced it, up to 3 times, and {@link #unopenedStreams()} counts these.
     */
    private TunnelStream openStream(Collector collector) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return awaitSession().openStream(collector).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (attempt == 3 || !(e.getCause() instanceof TunnelException)) {
                    throw e;
                }
                unopened.incrementAndGet();
            }
        }
    }

    /**
     * Streams sent again because the agent never processed them: refused by a draining session
     * before anything was sent (see {@link #openStream}), or reset with REFUSED_STREAM before any
     * answer (see {@link #send}).
     */
    int unopenedStreams() {
        return unopened.get();
    }

    TunnelServer server() {
        return server;
    }

    /** A CONNECT stream: sends {@code request}, returns the status and everything the upstream sent until it closed. */
    Reply connect(String authority, byte[] request) throws Exception {
        Collector collector = new Collector();
        TunnelStream stream = awaitSession().openStream(collector).get(10, TimeUnit.SECONDS);
        collector.attach(stream);
        stream.writeHeaders(new DefaultHttp2Headers().method("CONNECT").authority(authority), false);
        Http2Headers response = collector.headers.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        if (!"200".contentEquals(response.status())) {
            stream.reset(Http2Error.CANCEL);
            return new Reply(response, new byte[0]);
        }
        stream.writeData(Unpooled.wrappedBuffer(request), false);
        byte[] bytes = collector.body.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        stream.writeData(Unpooled.EMPTY_BUFFER, true);
        return new Reply(response, bytes);
    }

    private static void writeChunks(TunnelStream stream, byte[] body, int offset) {
        int end = Math.min(body.length, offset + 16 * 1024);
        boolean last = end == body.length;
        stream.writeData(Unpooled.wrappedBuffer(body, offset, end - offset), last).whenComplete((v, e) -> {
            if (e == null && !last) {
                writeChunks(stream, body, end);
            }
        });
    }

    @Override
    public void close() throws Exception {
        server.close().get(10, TimeUnit.SECONDS);
    }

    record Reply(Http2Headers headers, byte[] body) {
        int status() {
            return Integer.parseInt(headers.status().toString());
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            return JSON.readTree(text());
        }

        @Nullable String header(String name) {
            CharSequence value = headers.get(name);
            return value == null ? null : value.toString();
        }

        @Override
        public String toString() {
            return "Reply[" + headers.status() + ", " + (body.length > 500 ? text().substring(0, 500) : text()) + "]";
        }
    }

    /** Hub side of one stream: response headers, then the body, one frame requested at a time. */
    private static final class Collector implements TunnelStreamHandler {
        final CompletableFuture<Http2Headers> headers = new CompletableFuture<>();
        final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private volatile @Nullable TunnelStream stream;
        /** REFUSED_STREAM before the response headers: the agent never processed the stream. */
        volatile @Nullable Http2Error refusedUnanswered;

        void attach(TunnelStream s) {
            stream = s;
            s.request(1);
        }

        @Override
        public void onHeaders(Http2Headers h, boolean endStream) {
            if (!headers.isDone()) {
                headers.complete(h);
            }
            next(endStream);
        }

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            try {
                byte[] copy = new byte[data.readableBytes()];
                data.readBytes(copy);
                bytes.writeBytes(copy);
            } finally {
                data.release();
            }
            next(endStream);
        }

        private void next(boolean endStream) {
            if (endStream) {
                body.complete(bytes.toByteArray());
            } else {
                TunnelStream s = stream;
                if (s != null) {
                    s.request(1);
                }
            }
        }

        @Override
        public void onReset(Http2Error error) {
            if (error == Http2Error.REFUSED_STREAM && !headers.isDone()) {
                refusedUnanswered = error;
            }
            headers.completeExceptionally(new TunnelException("reset " + error));
            body.completeExceptionally(new TunnelException("reset " + error + " after " + bytes.size() + " bytes"));
        }

        @Override
        public void onClosed() {
            body.completeExceptionally(new TunnelException("closed before the end of the body"));
        }
    }
}
