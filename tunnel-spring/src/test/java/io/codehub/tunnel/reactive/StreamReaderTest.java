package io.codehub.tunnel.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.codehub.tunnel.NoBufferLeaks;
import io.codehub.tunnel.TunnelStreamException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Error;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * {@link StreamReader} against a recording stream: demand, the limit, cancel and drain, errors, and
 * the proof that a buffer released twice by Spring frees its frame once.
 */
@ExtendWith(NoBufferLeaks.class)
class StreamReaderTest {

    static final Duration WAIT = Duration.ofSeconds(5);
    static final NettyDataBufferFactory BUFFERS = new NettyDataBufferFactory(ByteBufAllocator.DEFAULT);

    final FakeStream stream = new FakeStream();

    StreamReader reader(long maxBytes, StreamReader.OnCancel onCancel) {
        return new StreamReader(stream, BUFFERS, maxBytes, false, onCancel, 100);
    }

    static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    /**
     * Why each buffer gets a reference count of its own. Frames cut from one socket read are slices
     * sharing the read buffer's count (as the HTTP/2 codec's are). Spring's {@code join} over its
     * limit discards what it holds through every discard hook in its subscriber's context (its own
     * and the one WebClient adds), so each buffer is released twice. On a shared count the second
     * release would free the read buffer under the frame still waiting in the codec.
     */
    @Test
    void aBufferReleasedTwiceBySpringsDiscardHooksReleasesItsFrameOnce() {
        ByteBuf read = Unpooled.buffer(12).writeBytes("abcdefghijkl".getBytes(StandardCharsets.US_ASCII));
        ByteBuf first = read.retainedSlice(0, 4);
        ByteBuf second = read.retainedSlice(4, 4);
        ByteBuf stillInTheCodec = read.retainedSlice(8, 4);
        read.release(); // the codec's own reference: from here on each frame holds one
        StreamReader reader = reader(Long.MAX_VALUE, StreamReader.OnCancel.RESET);
        Mono<DataBuffer> joined = DataBufferUtils.join(reader.flux(), 6)
                .doOnDiscard(DataBuffer.class, DataBufferUtils::release);

        StepVerifier.create(joined)
                .then(() -> {
                    reader.onData(first, false);
                    reader.onData(second, false);
                })
                .expectError(DataBufferLimitException.class)
                .verify(WAIT);

        assertThat(stillInTheCodec.refCnt()).as("the read buffer's count, held by the last frame only").isEqualTo(1);
        assertThat(stillInTheCodec.toString(StandardCharsets.US_ASCII)).isEqualTo("ijkl");
        stillInTheCodec.release();
        assertThat(read.refCnt()).isZero();
    }

    @Test
    void demandBecomesStreamDemandOneFramePerBufferAndNothingIsReadAhead() {
        StreamReader reader = reader(Long.MAX_VALUE, StreamReader.OnCancel.RESET);

        StepVerifier.create(reader.flux().map(StreamReaderTest::text), 0)
                .expectSubscription()
                .then(() -> assertThat(stream.requested).hasValue(0))
                .thenRequest(2)
                .then(() -> assertThat(stream.requested).hasValue(2))
                .then(() -> reader.onData(bytes("a"), false))
                .expectNext("a")
                .then(() -> reader.onData(Unpooled.EMPTY_BUFFER, false))
                .then(() -> assertThat(stream.requested).as("an empty frame asks for one more").hasValue(3))
                .then(() -> reader.onData(bytes("b"), false))
                .expectNext("b")
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> assertThat(stream.requested).hasValue(3))
                .thenRequest(1)
                .then(() -> reader.onTrailers(false))
                .then(() -> assertThat(stream.requested).as("non-final HEADERS ask for one more").hasValue(5))
                .then(() -> reader.onData(bytes("c"), true))
                .expectNext("c")
                .verifyComplete();
        assertThat(stream.resets).isEmpty();
    }

    @Test
    void cancelResetsTheStreamAndLaterFramesAreReleased() {
        StreamReader reader = reader(Long.MAX_VALUE, StreamReader.OnCancel.RESET);
        StepVerifier.create(reader.flux().map(StreamReaderTest::text))
                .then(() -> reader.onData(bytes("a"), false))
                .expectNext("a")
                .thenCancel()
                .verify(WAIT);
        assertThat(stream.resets).containsExactly(Http2Error.CANCEL);
        ByteBuf late = bytes("late");
        reader.onData(late, false);
        assertThat(late.refCnt()).isZero();
    }

    @Test
    void aCancelThatLeavesTheStreamToItsOwnerDrainsTheRestAfterwards() {
        StreamReader reader = reader(Long.MAX_VALUE, StreamReader.OnCancel.DISCARD);
        StepVerifier.create(reader.flux(), 1).thenCancel().verify(WAIT);
        assertThat(stream.resets).isEmpty();
        long before = stream.requested.get();

        reader.drainRest();
        assertThat(stream.requested.get()).isEqualTo(before + 1);
        ByteBuf dropped = Unpooled.buffer(60).writeZero(60);
        reader.onData(dropped, false);
        assertThat(dropped.refCnt()).isZero();
        assertThat(stream.requested.get()).isEqualTo(before + 2);
        reader.onData(Unpooled.buffer(60).writeZero(60), false);
        assertThat(stream.resets).as("past the drain limit of 100 bytes").containsExactly(Http2Error.CANCEL);
    }

    @Test
    void moreThanTheLimitFailsWithDataBufferLimitException() {
        StreamReader reader = reader(3, StreamReader.OnCancel.RESET);
        ByteBuf tooMuch = bytes("four");
        StepVerifier.create(reader.flux())
                .then(() -> reader.onData(tooMuch, false))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DataBufferLimitException.class)
                        .hasMessageContaining("limit of 3 bytes"))
                .verify(WAIT);
        assertThat(tooMuch.refCnt()).isZero();
        assertThat(stream.resets).containsExactly(Http2Error.CANCEL);
    }

    @Test
    void aStreamErrorFailsTheFluxWhetherItComesBeforeOrAfterTheSubscriber() {
        TunnelStreamException reset = new TunnelStreamException(3, Http2Error.INTERNAL_ERROR, false, "reset", null);
        StreamReader early = reader(Long.MAX_VALUE, StreamReader.OnCancel.RESET);
        early.onError(reset);
        StepVerifier.create(early.flux()).expectErrorSatisfies(e -> assertThat(e).isSameAs(reset)).verify(WAIT);

        StreamReader late = reader(Long.MAX_VALUE, StreamReader.OnCancel.RESET);
        StepVerifier.create(late.flux()).then(() -> late.onError(reset))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(reset)).verify(WAIT);
        assertThat(stream.resets).isEmpty();
    }

    @Test
    void aSecondSubscriberIsRefusedWhileTheFirstReadsAndAnEndedStreamCompletesAtOnce() {
        StreamReader reading = reader(10, StreamReader.OnCancel.RESET);
        StepVerifier.create(reading.flux(), 1).then(() -> {
            StepVerifier.create(reading.flux()).expectError(IllegalStateException.class).verify(WAIT);
            reading.onData(bytes("ab"), true);
        }).assertNext(buffer -> assertThat(text(buffer)).isEqualTo("ab")).expectComplete().verify(WAIT);

        FakeStream endedStream = new FakeStream();
        StreamReader ended = new StreamReader(endedStream, BUFFERS, 10, true, StreamReader.OnCancel.RESET, 0);
        StepVerifier.create(ended.flux()).verifyComplete();
        assertThat(endedStream.requested).hasValue(0);
    }

    /**
     * Spring's WebClient subscribes to every answer's body a second time, to release it in case
     * nobody read it; Reactor Netty completes such a subscriber when the body was read to its end.
     * An error there cost an exception with its stack trace read (WebClient's checkpoint) on every
     * call: a tenth of a hub's CPU with 10,000 agents checked every 30 s.
     */
    @Test
    void aLateSubscriberCompletesEmptyOnceTheWholeStreamWasDeliveredButNotAfterAFailureOrCancel() {
        StreamReader whole = reader(10, StreamReader.OnCancel.RESET);
        StepVerifier.create(whole.flux()).then(() -> whole.onData(bytes("abc"), true))
                .assertNext(buffer -> assertThat(text(buffer)).isEqualTo("abc")).verifyComplete();
        StepVerifier.create(whole.flux()).verifyComplete();

        StreamReader failed = reader(10, StreamReader.OnCancel.RESET);
        failed.onError(new TunnelStreamException(3, Http2Error.INTERNAL_ERROR, false, "reset", null));
        StepVerifier.create(failed.flux()).expectError(TunnelStreamException.class).verify(WAIT);
        StepVerifier.create(failed.flux()).expectError(IllegalStateException.class).verify(WAIT);

        StreamReader cancelled = reader(10, StreamReader.OnCancel.RESET);
        StepVerifier.create(cancelled.flux()).thenCancel().verify(WAIT);
        StepVerifier.create(cancelled.flux()).expectError(IllegalStateException.class).verify(WAIT);
    }

    static String text(DataBuffer buffer) {
        try {
            return buffer.toString(StandardCharsets.US_ASCII);
        } finally {
            DataBufferUtils.release(buffer);
        }
    }
}
