package io.codehub.agent.tunnel;

import java.util.concurrent.atomic.AtomicBoolean;

import io.codehub.tunnel.TunnelException;
import io.codehub.tunnel.TunnelStream;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Error;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * The inbound side of one request stream: a single-subscriber {@link Flux} of its DATA frames.
 *
 * <h2>Demand</h2>
 * Subscriber demand becomes {@link TunnelStream#request(int)}, one frame per unit, so the hub's
 * stream window opens only as fast as the application reads; an empty DATA frame asks for one
 * more in its place.
 *
 * <h2>Limits and buffers</h2>
 * Each buffer handed on has a reference count of its own ({@link #ownReferenceCount}). More than
 * {@code maxBytes} fails the body with {@link DataBufferLimitException}, which the
 * exception handler answers with 413 as on the direct door. Buffers handed to the subscriber are
 * its own; frames that arrive after a cancel, an error or once the response is complete are
 * released here. After the response, the rest of the request is read and discarded (up to
 * {@link #DRAIN_LIMIT} bytes, then the stream is reset), so the hub can finish sending.
 *
 * <h2>Threading</h2>
 * {@code on*} methods run on the stream's event loop; subscription, demand and
 * {@link #drainRest()} may come from any thread.
 */
final class RequestBody {

    /** Bytes of an unread request body discarded after the response before the stream is reset. */
    static final long DRAIN_LIMIT = 1 << 20;

    private final TunnelStream stream;
    private final NettyDataBufferFactory buffers;
    private final long maxBytes;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private volatile @Nullable FluxSink<DataBuffer> sink;
    private volatile boolean ended;
    private volatile @Nullable Throwable failure;
    private volatile boolean detached;
    // event loop only (onData)
    private long received;
    private long discarded;
    private volatile boolean draining;

    RequestBody(TunnelStream stream, NettyDataBufferFactory buffers, long maxBytes, boolean endedAlready) {
        this.stream = stream;
        this.buffers = buffers;
        this.maxBytes = maxBytes;
        this.ended = endedAlready;
    }

    Flux<DataBuffer> flux() {
        return Flux.<DataBuffer>create(s -> {
            if (!subscribed.compareAndSet(false, true)) {
                s.error(new IllegalStateException("the request body of " + stream + " can be read only once"));
                return;
            }
            Throwable failed = failure;
            if (failed != null) {
                s.error(failed);
                return;
            }
            if (ended || detached) {
                s.complete();
                return;
            }
            s.onCancel(() -> detached = true);
            sink = s;
            s.onRequest(n -> {
                if (!detached) {
                    stream.request((int) Math.min(n, Integer.MAX_VALUE));
                }
            });
        }).doOnDiscard(DataBuffer.class, DataBufferUtils::release);
    }

    void onData(ByteBuf data, boolean endStream) {
        ended |= endStream;
        FluxSink<DataBuffer> s = sink;
        if (draining || detached || s == null) {
            discard(data, endStream);
            return;
        }
        received += data.readableBytes();
        if (received > maxBytes) {
            data.release();
            detached = true;
            s.error(new DataBufferLimitException("request body exceeds the limit of " + maxBytes + " bytes"));
            return;
        }
        if (data.isReadable()) {
            s.next(buffers.wrap(ownReferenceCount(data)));
        } else {
            data.release();
            if (!endStream) {
                stream.request(1);
            }
        }
        if (endStream) {
            s.complete();
        }
    }

    /** Trailers (or HEADERS ending the stream): nothing of them reaches the application. */
    void onTrailers(boolean endStream) {
        ended |= endStream;
        FluxSink<DataBuffer> s = sink;
        if (endStream && s != null && !detached && !draining) {
            s.complete();
        } else if (!endStream) {
            stream.request(1);
        }
    }

    void onReset(Http2Error error) {
        TunnelException reset = new TunnelException("request stream " + stream + " was reset: " + error);
        failure = reset;
        ended = true;
        FluxSink<DataBuffer> s = sink;
        if (s != null && !detached) {
            detached = true;
            s.error(reset);
        }
    }

    /** The response is complete: read what the hub still sends, and drop it. Any thread. */
    void drainRest() {
        draining = true;
        detached = true;
        if (!ended) {
            stream.request(1);
        }
    }

    /**
     * A DATA frame's content is a slice sharing its reference count with the HTTP/2 codec's read
     * buffer, so a second release of it (Spring's readers may run more than one discard hook on a
     * buffer, each guarded only by "still allocated") would release the codec's buffer. Wrapped in
     * a composite, the buffer has a count of its own: the first release frees the frame once, and
     * any further one is a no-op.
     */
    private static ByteBuf ownReferenceCount(ByteBuf data) {
        return data.alloc().compositeBuffer(1).addComponent(true, data);
    }

    private void discard(ByteBuf data, boolean endStream) {
        discarded += data.readableBytes();
        data.release();
        if (!draining || endStream) {
            return;
        }
        if (discarded > DRAIN_LIMIT) {
            stream.reset(Http2Error.CANCEL);
        } else {
            stream.request(1);
        }
    }
}
