package io.codehub.tunnel.reactive;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.TunnelStreamHandler;
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
 * The inbound DATA of one {@link TunnelStream} as a single-subscriber {@link Flux}: a request body
 * on the agent, a response body on the hub, the bytes of a CONNECT stream. The owner's
 * {@link TunnelStreamHandler} hands it the stream's frames ({@link #onData}, {@link #onTrailers})
 * and its end ({@link #onError}).
 *
 * <h2>Demand</h2>
 * Subscriber demand becomes {@link TunnelStream#request(int)}, one frame per unit, so the peer's
 * stream window opens only as fast as the subscriber reads and nothing is read ahead of it; an empty
 * DATA frame or non-final HEADERS asks for one more in its place. Long-lived streams need nothing
 * else: the Flux ends only with the stream.
 *
 * <h2>Buffers</h2>
 * Each buffer handed on is the subscriber's and has a reference count of its own: a DATA frame's
 * content is a slice that shares its count with the HTTP/2 codec's read buffer, and Spring's readers
 * may release a buffer more than once (stacked discard hooks, each guarded only by "still
 * allocated"), which on a shared count would free the codec's buffer under its other frames.
 * Wrapped in a one-part composite, the first release frees the frame once and any further one is a
 * no-op. Buffers queued when the subscriber cancels, and frames that arrive after a cancel, an error
 * or the end, are released here.
 *
 * <h2>Limits and ends</h2>
 * More than {@code maxBytes} fails the Flux with {@link DataBufferLimitException}. An
 * {@link #onError} (the typed stream error of a reset, or any failure the owner reports) fails it.
 * A subscriber's cancel resets the stream with {@code CANCEL} ({@link OnCancel#RESET}), or leaves the
 * stream to its owner ({@link OnCancel#DISCARD}: a server that answers before reading the whole
 * request); {@link #drainRest()} then reads and drops the rest of the stream, up to a limit, so the
 * peer can finish sending.
 *
 * <h2>Threading</h2>
 * {@code on*} methods run on the stream's event loop; subscription, demand, cancel and
 * {@link #drainRest()} may come from any thread.
 */
public final class StreamReader {

    /** What a subscriber's cancel does to the stream. */
    public enum OnCancel {
        /** Reset the stream with {@code RST_STREAM CANCEL}: nobody reads it any more. */
        RESET,
        /** Leave the stream open; later frames are dropped, and {@link #drainRest()} reads the rest. */
        DISCARD
    }

    private final TunnelStream stream;
    private final NettyDataBufferFactory buffers;
    private final long maxBytes;
    private final OnCancel onCancel;
    private final long drainLimit;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private volatile @Nullable FluxSink<DataBuffer> sink;
    private volatile boolean ended;
    private volatile @Nullable Throwable failure;
    /** Set once the subscriber is gone or was sent its terminal signal: whoever sets it sends that signal. */
    private final AtomicBoolean detached = new AtomicBoolean();
    private volatile boolean draining;
    /** Set before the subscriber is completed: it was given the whole stream, and a later one gets nothing. */
    private volatile boolean delivered;
    // event loop only
    private long received;
    private long discarded;

    /**
     * @param stream       the stream whose DATA this reads
     * @param buffers      wraps the frames' buffers
     * @param maxBytes     most bytes the Flux delivers before it fails with {@link DataBufferLimitException}
     * @param endedAlready whether the stream's inbound side already ended (HEADERS with END_STREAM)
     * @param onCancel     what a subscriber's cancel does to the stream
     * @param drainLimit   most bytes {@link #drainRest()} reads and drops before it resets the stream
     */
    public StreamReader(TunnelStream stream, NettyDataBufferFactory buffers, long maxBytes, boolean endedAlready,
            OnCancel onCancel, long drainLimit) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: >= 0)");
        }
        if (drainLimit < 0) {
            throw new IllegalArgumentException("drainLimit: " + drainLimit + " (expected: >= 0)");
        }
        this.stream = Objects.requireNonNull(stream, "stream");
        this.buffers = Objects.requireNonNull(buffers, "buffers");
        this.maxBytes = maxBytes;
        this.ended = endedAlready;
        this.onCancel = Objects.requireNonNull(onCancel, "onCancel");
        this.drainLimit = drainLimit;
    }

    /**
     * The stream's DATA; can be read once. A later subscriber completes empty once the first was
     * given the whole stream (nothing is left: Spring's WebClient subscribes again after every
     * answer, to release a body nobody read, as Reactor Netty's {@code receive()} allows); before
     * that, or after a failure or cancel, it gets an error.
     */
    public Flux<DataBuffer> flux() {
        return Flux.<DataBuffer>create(s -> {
            if (!subscribed.compareAndSet(false, true)) {
                if (delivered) {
                    s.complete();
                } else {
                    s.error(new IllegalStateException("the inbound data of " + stream + " can be read only once"));
                }
                return;
            }
            s.onCancel(this::cancelled);
            sink = s;
            // A failure or the end may have come before the subscriber (frames cannot: they need demand).
            Throwable failed = failure;
            if (failed != null) {
                if (detached.compareAndSet(false, true)) {
                    s.error(failed);
                }
                return;
            }
            if (ended || draining) {
                if (detached.compareAndSet(false, true)) {
                    complete(s);
                }
                return;
            }
            s.onRequest(n -> {
                if (!detached.get() && !draining) {
                    stream.request((int) Math.min(n, Integer.MAX_VALUE));
                }
            });
        }).doOnDiscard(DataBuffer.class, DataBufferUtils::release);
    }

    /** A DATA frame; takes ownership of {@code data}. Event loop. */
    public void onData(ByteBuf data, boolean endStream) {
        ended |= endStream;
        FluxSink<DataBuffer> s = sink;
        if (draining || detached.get() || s == null) {
            discard(data, endStream);
            return;
        }
        received += data.readableBytes();
        if (received > maxBytes) {
            data.release();
            if (!detached.compareAndSet(false, true)) {
                return;
            }
            s.error(new DataBufferLimitException("the inbound data of " + stream + " exceeds the limit of "
                    + maxBytes + " bytes"));
            if (onCancel == OnCancel.RESET && !endStream) {
                stream.reset(Http2Error.CANCEL);
            }
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
        if (endStream && detached.compareAndSet(false, true)) {
            complete(s);
        }
    }

    /** HEADERS after the first (trailers): nothing of them is passed on; with END_STREAM they end the Flux. Event loop. */
    public void onTrailers(boolean endStream) {
        ended |= endStream;
        FluxSink<DataBuffer> s = sink;
        if (!endStream) {
            stream.request(1);
        } else if (s != null && !draining && detached.compareAndSet(false, true)) {
            complete(s);
        }
    }

    /**
     * The stream failed: {@code error} (typically the stream's typed
     * {@link io.codehub.tunnel.TunnelStreamException}) fails the Flux, now or when it is subscribed
     * to. Any thread.
     */
    public void onError(Throwable error) {
        Objects.requireNonNull(error, "error");
        if (failure == null) {
            failure = error;
        }
        ended = true;
        FluxSink<DataBuffer> s = sink;
        if (s != null && detached.compareAndSet(false, true)) {
            s.error(error);
        }
    }

    /**
     * The owner is done with the stream (a server's answer is complete): read what the peer still
     * sends and drop it, resetting the stream with {@code CANCEL} past the drain limit. Any thread.
     */
    public void drainRest() {
        draining = true;
        if (!ended) {
            stream.request(1);
        }
    }

    /** Whether the stream's inbound side ended (END_STREAM, a reset or an error). */
    public boolean ended() {
        return ended;
    }

    private void complete(FluxSink<DataBuffer> s) {
        delivered = true;
        s.complete();
    }

    private void cancelled() {
        if (!detached.compareAndSet(false, true)) {
            return;
        }
        if (onCancel == OnCancel.RESET && !ended) {
            stream.reset(Http2Error.CANCEL);
        }
    }

    /**
     * A DATA frame's content shares its reference count with the codec's read buffer; the
     * composite gives the handed-on buffer a count of its own (see the class comment).
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
        if (discarded > drainLimit) {
            stream.reset(Http2Error.CANCEL);
        } else {
            stream.request(1);
        }
    }
}
