package io.codehub.tunnel.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.codehub.tunnel.NoBufferLeaks;
import io.codehub.tunnel.TunnelStreamException;
import io.codehub.tunnel.reactive.FakeStream.Frame;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * {@link StreamWriter} against a recording stream: the frames each kind of body becomes, that a
 * buffer is never held back for the next, flow-control gating, and errors and cancel.
 */
@ExtendWith(NoBufferLeaks.class)
class StreamWriterTest {

    static final Duration WAIT = Duration.ofSeconds(5);
    static final NettyDataBufferFactory BUFFERS = new NettyDataBufferFactory(ByteBufAllocator.DEFAULT);
    static final Frame HEADERS = new Frame(true, 0, false);
    static final Frame HEADERS_END = new Frame(true, 0, true);

    final FakeStream stream = new FakeStream();

    static DataBuffer buffer(String text) {
        return BUFFERS.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    static Frame data(int length, boolean end) {
        return new Frame(false, length, end);
    }

    Mono<Void> write(Publisher<? extends DataBuffer> body) {
        return StreamWriter.write(stream, new DefaultHttp2Headers().status("200"), body);
    }

    @Test
    void aMonoBodyEndsTheStreamOnItsOnlyDataFrame() {
        StepVerifier.create(write(Mono.just(buffer("hello")))).verifyComplete();
        assertThat(stream.frames).containsExactly(HEADERS, data(5, true));
    }

    @Test
    void aFluxBodySendsItsHeadersAtOnceEachBufferAsItComesAndEndsWithAnEmptyDataFrame() {
        StepVerifier.create(write(Flux.just(buffer("a"), buffer(""), buffer("bc"), buffer("def")))).verifyComplete();
        // The empty buffer is not sent: the peer counts consecutive empty DATA frames as abuse.
        assertThat(stream.frames).containsExactly(HEADERS, data(1, false), data(2, false), data(3, false), data(0, true));
    }

    @Test
    void emptyBodiesEndOnTheHeadersOrOnOneEmptyDataFrame() {
        StepVerifier.create(write(Mono.empty())).verifyComplete();
        assertThat(stream.frames).containsExactly(HEADERS_END);
        stream.frames.clear();
        StepVerifier.create(write(Mono.just(buffer("")))).verifyComplete();
        assertThat(stream.frames).containsExactly(HEADERS_END);
        stream.frames.clear();
        StepVerifier.create(write(Flux.empty())).verifyComplete();
        assertThat(stream.frames).containsExactly(HEADERS, data(0, true));
        stream.frames.clear();
        StepVerifier.create(StreamWriter.write(stream, null, Mono.empty())).verifyComplete();
        assertThat(stream.frames).as("headers sent earlier").containsExactly(data(0, true));
    }

    @Test
    void aBufferIsWrittenWithoutWaitingForTheNextOne() {
        // A long-lived stream (events, WebSocket bytes): holding a buffer back until the next one,
        // to put END_STREAM on it, would delay every message by the gap to the next.
        Sinks.Many<DataBuffer> events = Sinks.many().unicast().onBackpressureBuffer();
        StepVerifier.create(write(events.asFlux()))
                .then(() -> events.tryEmitNext(buffer("event 1")))
                .then(() -> assertThat(stream.frames).containsExactly(HEADERS, data(7, false)))
                .then(() -> events.tryEmitNext(buffer("event 22")))
                .then(() -> assertThat(stream.frames).containsExactly(HEADERS, data(7, false), data(8, false)))
                .then(events::tryEmitComplete)
                .verifyComplete();
        assertThat(stream.frames).containsExactly(HEADERS, data(7, false), data(8, false), data(0, true));
    }

    @Test
    void theNextBufferIsRequestedOnlyWhileTheStreamIsWritableOrOnceTheWriteCompleted() {
        stream.writable = false;
        stream.holdWrites = true;
        TestPublisher<DataBuffer> body = TestPublisher.create();
        StepVerifier.create(write(body))
                .then(() -> body.assertMinRequested(1).assertMaxRequested(1))
                .then(() -> body.next(buffer("a")))
                .then(() -> body.assertMaxRequested(0))
                .then(stream::completeWrites)
                .then(() -> body.assertMinRequested(1).assertMaxRequested(1))
                .then(() -> stream.writable = true)
                .then(() -> body.next(buffer("b")))
                .then(() -> body.assertMinRequested(1))
                .then(() -> body.complete())
                .then(stream::completeWrites)
                .then(stream::completeWrites)
                .verifyComplete();
        assertThat(stream.frames).containsExactly(HEADERS, data(1, false), data(1, false), data(0, true));
    }

    @Test
    void aPublisherErrorResetsTheStreamAndFailsTheWrite() {
        IllegalStateException boom = new IllegalStateException("boom");
        StepVerifier.create(write(Flux.concat(Mono.just(buffer("a")), Mono.error(boom))))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(boom))
                .verify(WAIT);
        assertThat(stream.resets).containsExactly(Http2Error.INTERNAL_ERROR);
        assertThat(stream.frames).containsExactly(HEADERS, data(1, false));
    }

    @Test
    void cancellingTheWriteCancelsThePublisherAndResetsTheStream() {
        AtomicBoolean cancelled = new AtomicBoolean();
        StepVerifier.create(write(Flux.concat(Mono.just(buffer("a")), Mono.<DataBuffer>never())
                        .doOnCancel(() -> cancelled.set(true))))
                .expectSubscription()
                .then(() -> assertThat(stream.frames).containsExactly(HEADERS, data(1, false)))
                .thenCancel()
                .verify(WAIT);
        assertThat(cancelled).isTrue();
        assertThat(stream.resets).containsExactly(Http2Error.CANCEL);
    }

    @Test
    void aFailedWriteFailsWithTheStreamsTypedErrorAndReleasesWhatComesAfter() {
        TunnelStreamException reset = new TunnelStreamException(5, Http2Error.CANCEL, false, "reset by the peer", null);
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        stream.failWrites = reset;
        StepVerifier.create(write(Flux.range(0, 10).map(i -> buffer("x" + i)).doOnNext(b -> sent.incrementAndGet())
                        .doOnCancel(() -> cancelled.set(true))))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(reset))
                .verify(WAIT);
        assertThat(cancelled).isTrue();
        assertThat(sent.get()).isLessThan(10);
        assertThat(stream.resets).as("the stream failed already").isEmpty();
    }

    @Test
    void buffersOfOtherFactoriesAreCopiedAndReleased() {
        StepVerifier.create(write(Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(new byte[3])))).verifyComplete();
        assertThat(stream.frames).isEqualTo(List.of(HEADERS, data(3, false), data(0, true)));
    }
}
