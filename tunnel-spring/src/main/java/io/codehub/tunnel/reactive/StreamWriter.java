package io.codehub.tunnel.reactive;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import io.codehub.tunnel.TunnelStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.NettyDataBuffer;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Writes a {@code Publisher<DataBuffer>} to one {@link TunnelStream}: optional HEADERS, then each
 * buffer as a DATA frame as soon as it comes, then END_STREAM.
 *
 * <h2>Frames</h2>
 * A buffer is never held back waiting for the next one: a long-lived stream (server-sent events,
 * WebSocket bytes over CONNECT) gets each buffer on the wire when it is published. END_STREAM rides
 * on the last DATA frame when the end is known as that frame is written: a {@link Mono} body has at
 * most one buffer, which is sent with END_STREAM (the Agent API's JSON bodies: one frame). A
 * {@link Flux} body sends its HEADERS at once (the peer may answer before the body ends) and ends
 * with an empty DATA frame with END_STREAM. An empty body is HEADERS with END_STREAM, or, when the
 * HEADERS went earlier, one empty DATA frame with END_STREAM. Empty buffers are not sent: the peer
 * counts consecutive empty DATA frames as abuse.
 *
 * <h2>Back-pressure</h2>
 * One buffer is requested at a time; the next is requested at once while the stream
 * {@linkplain TunnelStream#isWritable() is writable}, otherwise when the previous write completed
 * (which waits for the stream's flow-control window). A peer that stops reading stops the publisher.
 *
 * <h2>Buffers and failures</h2>
 * Every buffer is handed to {@link TunnelStream#writeData} (which owns it from then on) or released
 * here, on completion, error and cancel alike. The returned {@link Mono} completes once END_STREAM
 * was written. An error of the publisher resets the stream with {@code INTERNAL_ERROR} and fails the
 * Mono with it; cancelling the Mono cancels the publisher and resets the stream with {@code CANCEL};
 * a failed write (the stream was reset, its session closed) cancels the publisher and fails the
 * Mono with the stream's typed error.
 */
public final class StreamWriter {

    private StreamWriter() {
    }

    /**
     * Writes {@code body} to {@code stream} when the returned Mono is subscribed to.
     *
     * @param stream  the stream to write to
     * @param headers HEADERS to send first, or null when they were already sent
     * @param body    the DATA to send; a {@link Mono} has at most one buffer
     */
    public static Mono<Void> write(TunnelStream stream, @Nullable Http2Headers headers,
            Publisher<? extends DataBuffer> body) {
        boolean single = body instanceof Mono;
        return Mono.create(done -> {
            DataWriter writer = new DataWriter(stream, headers, single, done);
            done.onCancel(writer::cancelledByCaller);
            Flux.<DataBuffer>from(body).subscribe(writer);
        });
    }

    private static final class DataWriter extends BaseSubscriber<DataBuffer> {

        private final TunnelStream stream;
        private final boolean single;
        private final MonoSink<Void> done;
        private final AtomicBoolean finished = new AtomicBoolean();
        // signal-serial (onSubscribe, onNext, onComplete, onError)
        private @Nullable Http2Headers headers;
        private boolean ended;

        DataWriter(TunnelStream stream, @Nullable Http2Headers headers, boolean single, MonoSink<Void> done) {
            this.stream = stream;
            this.headers = headers;
            this.single = single;
            this.done = done;
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            if (!single) {
                sendHeaders();
            }
            request(1);
        }

        @Override
        protected void hookOnNext(DataBuffer buffer) {
            if (finished.get() || ended) {
                DataBufferUtils.release(buffer);
                return;
            }
            if (single) {
                ended = true;
                if (buffer.readableByteCount() == 0) {
                    DataBufferUtils.release(buffer);
                    endWithoutData();
                } else {
                    sendHeaders();
                    finish(stream.writeData(toByteBuf(buffer), true));
                }
                return;
            }
            if (buffer.readableByteCount() == 0) {
                DataBufferUtils.release(buffer);
                request(1);
                return;
            }
            AtomicBoolean requested = new AtomicBoolean();
            stream.writeData(toByteBuf(buffer), false).whenComplete((v, error) -> {
                if (error != null) {
                    writeFailed(error);
                } else if (requested.compareAndSet(false, true)) {
                    request(1);
                }
            });
            if (stream.isWritable() && requested.compareAndSet(false, true)) {
                request(1);
            }
        }

        @Override
        protected void hookOnComplete() {
            if (!ended) {
                ended = true;
                endWithoutData();
            }
        }

        @Override
        protected void hookOnError(Throwable error) {
            if (finished.compareAndSet(false, true)) {
                // Whatever was sent is incomplete: all that is left to say is that the stream failed.
                stream.reset(Http2Error.INTERNAL_ERROR);
                done.error(error);
            }
        }

        void cancelledByCaller() {
            if (finished.compareAndSet(false, true)) {
                dispose();
                stream.reset(Http2Error.CANCEL);
            }
        }

        private void writeFailed(Throwable error) {
            if (finished.compareAndSet(false, true)) {
                dispose();
                done.error(error);
            }
        }

        private void sendHeaders() {
            Http2Headers h = headers;
            if (h != null) {
                headers = null;
                stream.writeHeaders(h, false).whenComplete((v, error) -> {
                    if (error != null) {
                        writeFailed(error);
                    }
                });
            }
        }

        /** END_STREAM without DATA: on the HEADERS when they are still to be sent, else on an empty DATA frame. */
        private void endWithoutData() {
            Http2Headers h = headers;
            if (h != null) {
                headers = null;
                finish(stream.writeHeaders(h, true));
            } else {
                finish(stream.writeData(Unpooled.EMPTY_BUFFER, true));
            }
        }

        private void finish(CompletableFuture<Void> lastWrite) {
            lastWrite.whenComplete((v, error) -> {
                if (error != null) {
                    writeFailed(error);
                } else if (finished.compareAndSet(false, true)) {
                    done.success();
                }
            });
        }

        private static ByteBuf toByteBuf(DataBuffer buffer) {
            if (buffer instanceof NettyDataBuffer netty) {
                return netty.getNativeBuffer();
            }
            try {
                byte[] bytes = new byte[buffer.readableByteCount()];
                buffer.read(bytes);
                return Unpooled.wrappedBuffer(bytes);
            } finally {
                DataBufferUtils.release(buffer);
            }
        }
    }
}
