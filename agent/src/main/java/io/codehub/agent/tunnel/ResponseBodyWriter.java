package io.codehub.agent.tunnel;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.codehub.tunnel.TunnelStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.NettyDataBuffer;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.MonoSink;

/**
 * Writes one response body to a tunnel stream: HEADERS before the first DATA, END_STREAM on the
 * last frame.
 *
 * <h2>Back-pressure</h2>
 * One buffer is requested at a time. The next is requested when the previous write completed
 * (the write future waits for the stream's flow-control window), or at once while the stream is
 * still writable. One buffer is held back so that END_STREAM rides on the last DATA frame.
 *
 * <h2>Buffers</h2>
 * Every buffer is either handed to {@link TunnelStream#writeData} (which owns it from then on) or
 * released here, on completion, error and cancel alike.
 */
final class ResponseBodyWriter extends BaseSubscriber<DataBuffer> {

    private final TunnelStream stream;
    private final Http2Headers headers;
    private final MonoSink<Void> done;
    private final AtomicReference<@Nullable DataBuffer> held = new AtomicReference<>();
    private boolean headersSent;

    ResponseBodyWriter(TunnelStream stream, Http2Headers headers, MonoSink<Void> done) {
        this.stream = stream;
        this.headers = headers;
        this.done = done;
        done.onCancel(this::dispose);
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        request(1);
    }

    @Override
    protected void hookOnNext(DataBuffer buffer) {
        DataBuffer previous = held.getAndSet(buffer);
        if (isDisposed()) {
            release(previous);
            release(held.getAndSet(null));
            return;
        }
        if (previous == null) {
            request(1);
            return;
        }
        sendHeadersOnce();
        AtomicBoolean requested = new AtomicBoolean();
        Runnable requestNext = () -> {
            if (requested.compareAndSet(false, true)) {
                request(1);
            }
        };
        stream.writeData(toByteBuf(previous), false).whenComplete((v, error) -> {
            if (error != null) {
                fail(error);
            } else {
                requestNext.run();
            }
        });
        if (stream.isWritable()) {
            requestNext.run();
        }
    }

    @Override
    protected void hookOnComplete() {
        DataBuffer last = held.getAndSet(null);
        if (last == null) {
            if (headersSent) {
                finish(stream.writeData(Unpooled.EMPTY_BUFFER, true));
            } else {
                headersSent = true;
                finish(stream.writeHeaders(headers, true));
            }
            return;
        }
        sendHeadersOnce();
        finish(stream.writeData(toByteBuf(last), true));
    }

    @Override
    protected void hookOnError(Throwable error) {
        release(held.getAndSet(null));
        // The status is on its way or committed: all that is left to say is that the stream failed.
        stream.reset(Http2Error.INTERNAL_ERROR);
        done.error(error);
    }

    @Override
    protected void hookOnCancel() {
        release(held.getAndSet(null));
    }

    private void sendHeadersOnce() {
        if (!headersSent) {
            headersSent = true;
            stream.writeHeaders(headers, false);
        }
    }

    private void finish(CompletableFuture<Void> write) {
        write.whenComplete((v, error) -> {
            if (error != null) {
                done.error(error);
            } else {
                done.success();
            }
        });
    }

    private void fail(Throwable error) {
        dispose();
        done.error(error);
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

    private static void release(@Nullable DataBuffer buffer) {
        if (buffer != null) {
            DataBufferUtils.release(buffer);
        }
    }
}
