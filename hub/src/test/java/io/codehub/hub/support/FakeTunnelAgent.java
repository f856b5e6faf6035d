package io.codehub.hub.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.codehub.base.Backoff;
import io.codehub.tunnel.ConnectorListener;
import io.codehub.tunnel.HubSessionInfo;
import io.codehub.tunnel.IncomingStreamHandlerFactory;
import io.codehub.tunnel.TicketStore;
import io.codehub.tunnel.TunnelConnector;
import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.TunnelStreamHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;

/**
 * An agent that dials a hub's tunnel port on loopback ({@link TunnelConnector}) and answers each
 * stream with what its route returns for the collected request: canned Agent API answers, echoes,
 * large bodies, or resets.
 */
public final class FakeTunnelAgent implements AutoCloseable {

    /** A request as the agent received it. */
    public record Request(String method, String path, Http2Headers headers, byte[] body) {
        public String header(String name) {
            CharSequence value = headers.get(name);
            return value == null ? null : value.toString();
        }
    }

    /**
     * An answer. {@code resetAfterBytes} &lt; 0: a normal answer; 0: reset the stream with
     * {@code resetWith} instead of answering; &gt; 0: send headers and that many body bytes, then reset.
     */
    public record Response(int status, Map<String, String> headers, byte[] body, int resetAfterBytes,
            Http2Error resetWith) {

        /** An answer whose resets, if any, are {@code INTERNAL_ERROR}. */
        public Response(int status, Map<String, String> headers, byte[] body, int resetAfterBytes) {
            this(status, headers, body, resetAfterBytes, Http2Error.INTERNAL_ERROR);
        }

        /** No answer: {@code RST_STREAM REFUSED_STREAM}, the agent's word that it did not process the stream. */
        public static Response refused() {
            return new Response(0, Map.of(), new byte[0], 0, Http2Error.REFUSED_STREAM);
        }

        public static Response json(int status, String json) {
            return new Response(status, Map.of("content-type", status >= 400 ? "application/problem+json"
                    : "application/json"), json.getBytes(java.nio.charset.StandardCharsets.UTF_8), -1);
        }

        public static Response bytes(byte[] body) {
            return new Response(200, Map.of("content-type", "application/octet-stream"), body, -1);
        }

        public static Response reset() {
            return new Response(200, Map.of(), new byte[0], 0);
        }

        public static Response resetAfter(byte[] body, int bytes) {
            return new Response(200, Map.of("content-type", "application/octet-stream"), body, bytes);
        }
    }

    private static final int CHUNK = 16 * 1024;

    private final TunnelConnector connector;
    private final TicketStore tickets = TicketStore.inMemory();
    private final AtomicInteger sessionsOpened = new AtomicInteger();
    private final AtomicInteger resetsReceived = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile @Nullable Throwable lastFailure;

    private FakeTunnelAgent(InetSocketAddress hub, String apiKey, Function<Request, Response> route) {
        this.connector = TunnelConnector.builder()
                .hubUri(URI.create("tcp://127.0.0.1:" + hub.getPort()))
                .apiKey(apiKey)
                .agentVersion("fake/1")
                .ticketStore(tickets)
                .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(500)).withFullJitter()
                        .boundedByFailingTime(2))
                .drainJitter(Duration.ofMillis(100))
                .listener(new ConnectorListener() {
                    @Override
                    public void sessionOpened(HubSessionInfo session) {
                        sessionsOpened.incrementAndGet();
                    }

                    @Override
                    public void connectFailed(Throwable cause, Duration retryIn) {
                        lastFailure = cause;
                        failures.incrementAndGet();
                    }
                })
                .streamHandlerFactory(streams(route))
                .build();
    }

    /** Starts an agent dialling {@code hub} with {@code apiKey}; a route returning null never answers. */
    public static FakeTunnelAgent start(InetSocketAddress hub, String apiKey, Function<Request, Response> route) {
        FakeTunnelAgent agent = new FakeTunnelAgent(hub, apiKey, route);
        agent.connector.start();
        return agent;
    }

    public int sessionsOpened() {
        return sessionsOpened.get();
    }

    public int resetsReceived() {
        return resetsReceived.get();
    }

    /** Failed attempts to connect or pass the handshake so far. */
    public int failures() {
        return failures.get();
    }

    public @Nullable Throwable lastFailure() {
        return lastFailure;
    }

    /** The ticket the hub gave it, if any. */
    public @Nullable String ticket() {
        return tickets.load();
    }

    @Override
    public void close() throws Exception {
        connector.stop().get(10, TimeUnit.SECONDS);
    }

    private IncomingStreamHandlerFactory streams(Function<Request, Response> route) {
        return (stream, headers, endStream) -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            String method = String.valueOf(headers.method());
            String path = String.valueOf(headers.path());
            if (endStream) {
                answer(stream, route.apply(new Request(method, path, headers, new byte[0])));
            } else {
                stream.request(1);
            }
            return new TunnelStreamHandler() {
                @Override
                public void onHeaders(Http2Headers trailers, boolean end) {
                    if (end) {
                        answer(stream, route.apply(new Request(method, path, headers, body.toByteArray())));
                    } else {
                        stream.request(1);
                    }
                }

                @Override
                public void onData(ByteBuf data, boolean end) {
                    try {
                        data.readBytes(body, data.readableBytes());
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    } finally {
                        data.release();
                    }
                    if (end) {
                        answer(stream, route.apply(new Request(method, path, headers, body.toByteArray())));
                    } else {
                        stream.request(1);
                    }
                }

                @Override
                public void onReset(Http2Error error) {
                    resetsReceived.incrementAndGet();
                }
            };
        };
    }

    private static void answer(TunnelStream stream, @Nullable Response response) {
        if (response == null) {
            return; // never answers: the hub's side decides how this ends
        }
        if (response.resetAfterBytes() == 0) {
            stream.reset(response.resetWith());
            return;
        }
        Http2Headers headers = new DefaultHttp2Headers().status(String.valueOf(response.status()));
        Map<String, String> fields = new LinkedHashMap<>(response.headers());
        fields.forEach(headers::add);
        byte[] body = response.body();
        int limit = response.resetAfterBytes() > 0 ? Math.min(response.resetAfterBytes(), body.length) : body.length;
        stream.writeHeaders(headers, body.length == 0);
        if (body.length > 0) {
            writeFrom(stream, body, 0, limit, response.resetAfterBytes() > 0);
        }
    }

    private static void writeFrom(TunnelStream stream, byte[] body, int offset, int limit, boolean resetAtLimit) {
        if (offset >= limit) {
            if (resetAtLimit) {
                stream.reset(Http2Error.INTERNAL_ERROR);
            }
            return;
        }
        int length = Math.min(CHUNK, limit - offset);
        boolean last = offset + length >= body.length && !resetAtLimit;
        CompletableFuture<Void> written = stream.writeData(Unpooled.wrappedBuffer(body, offset, length), last);
        written.whenComplete((v, e) -> {
            if (e == null && !last) {
                writeFrom(stream, body, offset + length, limit, resetAtLimit);
            }
        });
    }
}
