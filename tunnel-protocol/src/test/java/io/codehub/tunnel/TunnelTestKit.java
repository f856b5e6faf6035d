package io.codehub.tunnel;

import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32;

import io.codehub.base.Backoff;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;

/** Loopback servers, connectors and stream handlers for the integration tests. */
final class TunnelTestKit {

    static final InetSocketAddress LOOPBACK_ANY_PORT = new InetSocketAddress("127.0.0.1", 0);
    static final Duration WAIT = Duration.ofSeconds(20);

    private TunnelTestKit() {
    }

    static String apiKey(String agentId) {
        return "chk_" + agentId + "_s3cr3t";
    }

    /** Accepts {@code chk_<id>_s3cr3t} as agent {@code id}, and tickets {@code ticket-<id>}. */
    static TunnelAuthenticator keyAuthenticator() {
        return request -> {
            String key = request.apiKey();
            String ticket = request.resumptionTicket();
            if (key != null && key.startsWith("chk_") && key.endsWith("_s3cr3t")) {
                String id = key.substring(4, key.length() - 7);
                return CompletableFuture.completedFuture(AuthDecision.accept(id, "ticket-" + id));
            }
            if (ticket != null && ticket.startsWith("ticket-")) {
                String id = ticket.substring(7);
                return CompletableFuture.completedFuture(AuthDecision.accept(id, ticket));
            }
            return CompletableFuture.completedFuture(AuthDecision.reject(401, "unknown credential", null));
        };
    }

    static TunnelServerBuilder server(String hubId) {
        return TunnelServer.builder()
                .bindAddress(LOOPBACK_ANY_PORT)
                .hubId(hubId)
                .ioThreads(1)
                .authenticator(keyAuthenticator());
    }

    static TunnelConnectorBuilder connector(InetSocketAddress hub, String agentId, IncomingStreamHandlerFactory streams) {
        return TunnelConnector.builder()
                .hubUri(URI.create("tcp://127.0.0.1:" + hub.getPort()))
                .apiKey(apiKey(agentId))
                .agentVersion("test/1")
                .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(500)).withFullJitter()
                        .boundedByFailingTime(2))
                .drainJitter(Duration.ofMillis(100))
                .streamHandlerFactory(streams);
    }

    static TunnelSession awaitSession(TunnelServer server, String agentId) {
        return await().atMost(WAIT).until(() -> server.session(agentId).orElse(null), s -> s != null);
    }

    static Http2Headers post(String path) {
        return new DefaultHttp2Headers().method("POST").scheme("http").authority("agent").path(path);
    }

    static Http2Headers connect(String authority) {
        return new DefaultHttp2Headers().method("CONNECT").authority(authority);
    }

    /** Deterministic pseudo-random payload chunk {@code index} of {@code size} bytes. */
    static byte[] chunk(int index, int size) {
        byte[] bytes = new byte[size];
        new Random(index).nextBytes(bytes);
        return bytes;
    }

    /** Writes {@code chunks} chunks sequentially, each after the previous write completed. */
    static CompletableFuture<Void> writeChunks(TunnelStream stream, int chunks, int chunkSize, CRC32 crc) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        writeNext(stream, 0, chunks, chunkSize, crc, done);
        return done;
    }

    private static void writeNext(TunnelStream stream, int index, int chunks, int size, CRC32 crc,
            CompletableFuture<Void> done) {
        byte[] bytes = chunk(index, size);
        crc.update(bytes);
        boolean last = index == chunks - 1;
        stream.writeData(Unpooled.wrappedBuffer(bytes), last).whenComplete((v, e) -> {
            if (e != null) {
                done.completeExceptionally(e);
            } else if (last) {
                done.complete(null);
            } else {
                writeNext(stream, index + 1, chunks, size, crc, done);
            }
        });
    }

    /** Agent side: answers 200 and echoes the body back, frame by frame, with back-pressure. */
    static IncomingStreamHandlerFactory echo() {
        return (stream, headers, endStream) -> {
            stream.writeHeaders(new DefaultHttp2Headers().status("200"), endStream);
            if (!endStream) {
                stream.request(1);
            }
            return new TunnelStreamHandler() {
                @Override
                public void onHeaders(Http2Headers trailers, boolean end) {
                    stream.writeData(Unpooled.EMPTY_BUFFER, true);
                }

                @Override
                public void onData(ByteBuf data, boolean end) {
                    stream.writeData(data, end).whenComplete((v, e) -> {
                        if (e == null && !end) {
                            stream.request(1);
                        }
                    });
                }
            };
        };
    }

    /** Agent side: streams it neither reads nor answers; the test answers through {@code held}. */
    static IncomingStreamHandlerFactory held(CompletableFuture<TunnelStream> held) {
        return (stream, headers, endStream) -> {
            held.complete(stream);
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

    /** Hub side: collects a response, checksumming the body; requests one frame at a time. */
    static final class Collector implements TunnelStreamHandler {
        final CompletableFuture<Http2Headers> headers = new CompletableFuture<>();
        final CompletableFuture<Long> body = new CompletableFuture<>();
        final CRC32 crc = new CRC32();
        volatile long bytes;
        volatile Http2Error reset;
        volatile TunnelStream stream;
        private final boolean autoRequest;

        Collector() {
            this(true);
        }

        Collector(boolean autoRequest) {
            this.autoRequest = autoRequest;
        }

        Collector attach(TunnelStream s) {
            stream = s;
            if (autoRequest) {
                s.request(1);
            }
            return this;
        }

        @Override
        public void onHeaders(Http2Headers h, boolean endStream) {
            headers.complete(h);
            if (endStream) {
                body.complete(bytes);
            } else if (autoRequest) {
                stream.request(1);
            }
        }

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            try {
                byte[] copy = new byte[data.readableBytes()];
                data.readBytes(copy);
                crc.update(copy);
                bytes += copy.length;
            } finally {
                data.release();
            }
            if (endStream) {
                body.complete(bytes);
            } else if (autoRequest) {
                stream.request(1);
            }
        }

        @Override
        public void onReset(Http2Error error) {
            reset = error;
            headers.completeExceptionally(new TunnelException("reset " + error));
            body.completeExceptionally(new TunnelException("reset " + error));
        }

        @Override
        public void onClosed() {
            body.completeExceptionally(new TunnelException("closed before the end of the body"));
        }
    }
}
