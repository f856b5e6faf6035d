package io.codehub.tunnel.reactive;

import static io.codehub.tunnel.reactive.LoopbackTunnel.WAIT;
import static io.codehub.tunnel.reactive.LoopbackTunnel.ok;
import static io.codehub.tunnel.reactive.LoopbackTunnel.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.codehub.tunnel.IncomingStreamHandlerFactory;
import io.codehub.tunnel.NoBufferLeaks;
import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.TunnelStreamException;
import io.codehub.tunnel.TunnelStreamHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * The bridge at both ends of a real tunnel on 127.0.0.1, as the hub and the agent use it: the hub
 * opens streams and reads and writes them with {@link StreamReader} and {@link StreamWriter}, and
 * so does the agent. Demand against flow control, cancellation and resets either way, the frames
 * on the wire, long-lived streams, and (paranoid leak detection over the class) no buffer leaked
 * whichever side gave up.
 */
@ExtendWith(NoBufferLeaks.class)
@Timeout(120)
class StreamBridgeTest {

    static final NettyDataBufferFactory BUFFERS = new NettyDataBufferFactory(ByteBufAllocator.DEFAULT);
    static final int CHUNK = 16 * 1024;
    /**
     * What a stream takes before it turns unwritable (tunnel-protocol's {@code Http2Pipelines.STREAM_WATER_MARK}):
     * frames waiting for the peer's window count, so a writer that follows writability queues at most
     * this on a stream whose reader stopped.
     */
    static final int STREAM_HIGH_WATER_MARK = 512 * 1024;

    static LoopbackTunnel tunnel;

    @BeforeAll
    static void start() throws Exception {
        tunnel = LoopbackTunnel.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (tunnel != null) {
            tunnel.close();
        }
    }

    /** The agent's end of one stream, seen from the test. */
    static final class AgentSide {
        final CompletableFuture<TunnelStream> stream = new CompletableFuture<>();
        final CompletableFuture<TunnelStreamException> error = new CompletableFuture<>();
        final CompletableFuture<@Nullable Throwable> writeDone = new CompletableFuture<>();
        volatile @Nullable StreamReader reader;
    }

    /**
     * The agent answers each stream with 200 and {@code body(request body)}, reading and writing
     * through the bridge; what happens goes to the returned {@link AgentSide}s.
     */
    static List<AgentSide> agentAnswers(Function<Flux<DataBuffer>, Flux<DataBuffer>> body) {
        List<AgentSide> sides = new CopyOnWriteArrayList<>();
        tunnel.agent(bridged(sides, body));
        return sides;
    }

    static IncomingStreamHandlerFactory bridged(List<AgentSide> sides, Function<Flux<DataBuffer>, Flux<DataBuffer>> body) {
        return (stream, headers, endStream) -> {
            AgentSide side = new AgentSide();
            StreamReader reader = new StreamReader(stream, BUFFERS, Long.MAX_VALUE, endStream,
                    StreamReader.OnCancel.RESET, 0);
            side.reader = reader;
            side.stream.complete(stream);
            sides.add(side);
            StreamWriter.write(stream, ok(), body.apply(reader.flux()))
                    .subscribe(null, side.writeDone::complete, () -> side.writeDone.complete(null));
            return new ReaderHandler(reader) {
                @Override
                public void onStreamError(TunnelStreamException error) {
                    super.onStreamError(error);
                    side.error.complete(error);
                }
            };
        };
    }

    /** Hands a stream's frames to a reader (the response HEADERS are skipped: tests check them apart). */
    static class ReaderHandler implements TunnelStreamHandler {
        final StreamReader reader;
        volatile boolean headersSeen;

        ReaderHandler(StreamReader reader) {
            this.reader = reader;
        }

        @Override
        public void onHeaders(Http2Headers headers, boolean endStream) {
            reader.onTrailers(endStream);
        }

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            reader.onData(data, endStream);
        }

        @Override
        public void onStreamError(TunnelStreamException error) {
            reader.onError(error);
        }
    }

    /** A hub-side stream whose response body is read through a reader. */
    static final class HubCall {
        final TunnelStream stream;
        final StreamReader reader;

        HubCall(TunnelStream stream, StreamReader reader) {
            this.stream = stream;
            this.reader = reader;
        }
    }

    /** Opens a stream from the hub and sends the request HEADERS; the response body is {@link HubCall#reader}. */
    static HubCall call(String path, boolean endStream) throws Exception {
        CompletableFuture<StreamReader> readerOf = new CompletableFuture<>();
        TunnelStream stream = tunnel.open(new TunnelStreamHandler() {
            @Override
            public void onHeaders(Http2Headers headers, boolean end) {
                // Non-final HEADERS take a unit of the subscriber's demand, which the reader asks for again.
                readerOf.join().onTrailers(end);
            }

            @Override
            public void onData(ByteBuf data, boolean end) {
                readerOf.join().onData(data, end);
            }

            @Override
            public void onStreamError(TunnelStreamException error) {
                readerOf.join().onError(error);
            }
        });
        StreamReader reader = new StreamReader(stream, BUFFERS, Long.MAX_VALUE, false, StreamReader.OnCancel.RESET, 0);
        readerOf.complete(reader);
        stream.writeHeaders(request(path), endStream);
        return new HubCall(stream, reader);
    }

    static Flux<DataBuffer> chunks(int count, AtomicInteger emitted) {
        return Flux.range(0, count).map(i -> BUFFERS.wrap(chunk(i))).doOnNext(b -> emitted.incrementAndGet());
    }

    static byte[] chunk(int index) {
        byte[] bytes = new byte[CHUNK];
        new Random(index).nextBytes(bytes);
        return bytes;
    }

    static byte[] bytesOf(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        } finally {
            DataBufferUtils.release(buffer);
        }
    }

    @Test
    void demandMapsToStreamRequestsAndTheWriterIsHeldBackByFlowControl() throws Exception {
        int total = 64; // 1 MiB through a 64 KiB window
        AtomicInteger emitted = new AtomicInteger();
        agentAnswers(request -> chunks(total, emitted));
        HubCall call = call("/big", true);
        AtomicInteger index = new AtomicInteger();

        StepVerifier.create(call.reader.flux().map(StreamBridgeTest::bytesOf), 0)
                .expectSubscription()
                .thenRequest(1)
                .assertNext(bytes -> assertThat(bytes).isEqualTo(chunk(index.getAndIncrement())))
                .expectNoEvent(Duration.ofMillis(300))
                .then(() -> assertThat(emitted.get()).as("the agent's publisher, held by the stream's write queue")
                        .isLessThan(total).isLessThanOrEqualTo(2 + STREAM_HIGH_WATER_MARK / CHUNK + 2))
                .thenRequest(2)
                .expectNextCount(2)
                .expectNoEvent(Duration.ofMillis(100))
                .thenRequest(Long.MAX_VALUE)
                .expectNextCount(total - 3)
                .verifyComplete();
        assertThat(emitted.get()).isEqualTo(total);
    }

    @Test
    void aSubscriberThatCancelsResetsTheStreamWithCancelAtThePeer() throws Exception {
        AtomicBoolean publisherCancelled = new AtomicBoolean();
        List<AgentSide> agent = agentAnswers(request -> chunks(64, new AtomicInteger())
                .doOnCancel(() -> publisherCancelled.set(true)));
        HubCall call = call("/big", true);

        StepVerifier.create(call.reader.flux().map(StreamBridgeTest::bytesOf).take(2))
                .expectNextCount(2)
                .verifyComplete();

        await().atMost(WAIT).until(() -> !agent.isEmpty());
        TunnelStreamException seen = agent.get(0).error.get(20, TimeUnit.SECONDS);
        assertThat(seen.error()).isEqualTo(Http2Error.CANCEL);
        assertThat(seen).hasMessageContaining("by the peer");
        assertThat(agent.get(0).writeDone.get(20, TimeUnit.SECONDS)).as("the agent's write fails with the stream's error")
                .isInstanceOfSatisfying(TunnelStreamException.class, e -> assertThat(e.error()).isEqualTo(Http2Error.CANCEL));
        assertThat(publisherCancelled).isTrue();
    }

    @Test
    void aPeerResetFailsTheFluxWithTheTypedStreamError() throws Exception {
        agentAnswers(request -> Flux.concat(chunks(2, new AtomicInteger()), Mono.error(new IllegalStateException("boom"))));
        HubCall failing = call("/fails", true);
        StepVerifier.create(failing.reader.flux().map(StreamBridgeTest::bytesOf))
                .thenConsumeWhile(bytes -> true)
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(TunnelStreamException.class).hasMessageContaining("by the peer");
                    assertThat(((TunnelStreamException) e).error()).isEqualTo(Http2Error.INTERNAL_ERROR);
                    assertThat(((TunnelStreamException) e).isUnprocessed()).isFalse();
                })
                .verify(WAIT);

        tunnel.agent((stream, headers, endStream) -> {
            stream.reset(Http2Error.REFUSED_STREAM);
            return new ReaderHandler(new StreamReader(stream, BUFFERS, 0, true, StreamReader.OnCancel.RESET, 0));
        });
        HubCall refused = call("/refused", true);
        StepVerifier.create(refused.reader.flux())
                .expectErrorSatisfies(e -> {
                    assertThat(((TunnelStreamException) e).error()).isEqualTo(Http2Error.REFUSED_STREAM);
                    assertThat(((TunnelStreamException) e).isUnprocessed()).as("refused: never processed").isTrue();
                })
                .verify(WAIT);
    }

    @Test
    void endStreamRidesOnTheOnlyDataFrameOfAMonoBody() throws Exception {
        tunnel.agent((stream, headers, endStream) -> {
            StreamWriter.write(stream, ok(), Mono.just(BUFFERS.wrap(new byte[] {1, 2, 3}))).subscribe();
            return new ReaderHandler(new StreamReader(stream, BUFFERS, 0, true, StreamReader.OnCancel.RESET, 0));
        });
        List<String> frames = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        CompletableFuture<TunnelStream> opened = new CompletableFuture<>();
        TunnelStream stream = tunnel.open(new TunnelStreamHandler() {
            @Override
            public void onHeaders(Http2Headers headers, boolean endStream) {
                frames.add("HEADERS" + (endStream ? "+END_STREAM" : ""));
                opened.join().request(1);
            }

            @Override
            public void onData(ByteBuf data, boolean endStream) {
                frames.add("DATA(" + data.readableBytes() + ")" + (endStream ? "+END_STREAM" : ""));
                data.release();
                if (endStream) {
                    ended.complete(null);
                } else {
                    opened.join().request(1);
                }
            }
        });
        opened.complete(stream);
        stream.request(1);
        stream.writeHeaders(request("/one"), true);
        ended.get(20, TimeUnit.SECONDS);
        assertThat(frames).containsExactly("HEADERS", "DATA(3)+END_STREAM");
    }

    @Test
    void aLongLivedStreamDeliversEachBufferAsItIsPublished() throws Exception {
        Sinks.Many<DataBuffer> events = Sinks.many().unicast().onBackpressureBuffer();
        List<AgentSide> agent = agentAnswers(request -> events.asFlux());
        HubCall call = call("/events", true);

        StepVerifier.create(call.reader.flux().map(b -> new String(bytesOf(b))))
                .then(() -> events.tryEmitNext(BUFFERS.wrap("first".getBytes())))
                .expectNext("first")
                .expectNoEvent(Duration.ofMillis(200))
                .then(() -> events.tryEmitNext(BUFFERS.wrap("second".getBytes())))
                .expectNext("second")
                .thenCancel()
                .verify(WAIT);
        assertThat(agent.get(0).error.get(20, TimeUnit.SECONDS).error()).isEqualTo(Http2Error.CANCEL);
    }

    @Test
    void cancellingTheWriterResetsTheStreamAndItsPeerSeesCancel() throws Exception {
        // The agent reads the request through the bridge and answers only at its end.
        List<AgentSide> agent = agentAnswers(request -> request.map(b -> {
            DataBufferUtils.release(b);
            return b;
        }).thenMany(Flux.empty()));
        HubCall call = call("/upload", false);
        AtomicBoolean cancelled = new AtomicBoolean();

        StepVerifier.create(StreamWriter.write(call.stream, null, Flux.concat(chunks(3, new AtomicInteger()),
                        Mono.<DataBuffer>never()).doOnCancel(() -> cancelled.set(true))))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(200))
                .thenCancel()
                .verify(WAIT);

        assertThat(cancelled).isTrue();
        await().atMost(WAIT).until(() -> !agent.isEmpty());
        assertThat(agent.get(0).error.get(20, TimeUnit.SECONDS).error()).isEqualTo(Http2Error.CANCEL);
        StepVerifier.create(call.reader.flux())
                .expectErrorSatisfies(e -> assertThat(((TunnelStreamException) e).error()).isEqualTo(Http2Error.CANCEL))
                .verify(WAIT);
    }

    @Test
    void bothDirectionsWithCancellationFromEitherSideLeakNoBuffer() throws Exception {
        int chunks = 24;
        byte[] expected = new byte[chunks * CHUNK];
        for (int i = 0; i < chunks; i++) {
            System.arraycopy(chunk(i), 0, expected, i * CHUNK, CHUNK);
        }
        for (int round = 0; round < 4; round++) {
            // A whole echo, through the bridge both ways at both ends.
            agentAnswers(request -> request);
            HubCall echo = call("/echo", false);
            StreamWriter.write(echo.stream, null, chunks(chunks, new AtomicInteger())).subscribe();
            byte[] answer = DataBufferUtils.join(echo.reader.flux()).map(StreamBridgeTest::bytesOf).block(WAIT);
            assertThat(Arrays.equals(answer, expected)).isTrue();

            // The hub gives up reading midway while it is still writing.
            List<AgentSide> agent = agentAnswers(request -> request);
            HubCall hubCancels = call("/echo", false);
            CompletableFuture<@Nullable Throwable> hubWrite = new CompletableFuture<>();
            StreamWriter.write(hubCancels.stream, null, chunks(chunks, new AtomicInteger()))
                    .subscribe(null, hubWrite::complete, () -> hubWrite.complete(null));
            StepVerifier.create(hubCancels.reader.flux().map(StreamBridgeTest::bytesOf).take(3))
                    .expectNextCount(3).verifyComplete();
            await().atMost(WAIT).until(() -> !agent.isEmpty());
            assertThat(agent.get(0).error.get(20, TimeUnit.SECONDS).error()).isEqualTo(Http2Error.CANCEL);
            hubWrite.get(20, TimeUnit.SECONDS);

            // The agent gives up reading midway: its reader cancels, which resets the stream.
            List<AgentSide> giving = agentAnswers(request -> request.take(2));
            HubCall agentCancels = call("/echo", false);
            CompletableFuture<@Nullable Throwable> write = new CompletableFuture<>();
            StreamWriter.write(agentCancels.stream, null, chunks(chunks, new AtomicInteger()))
                    .subscribe(null, write::complete, () -> write.complete(null));
            StepVerifier.create(agentCancels.reader.flux().map(StreamBridgeTest::bytesOf))
                    .thenConsumeWhile(bytes -> true)
                    .expectErrorSatisfies(e -> assertThat(((TunnelStreamException) e).error()).isEqualTo(Http2Error.CANCEL))
                    .verify(WAIT);
            assertThat(write.get(20, TimeUnit.SECONDS)).isInstanceOf(TunnelStreamException.class);
            await().atMost(WAIT).until(() -> !giving.isEmpty());
        }
        await().atMost(WAIT).until(() -> tunnel.session().activeStreams() == 0);
    }
}
