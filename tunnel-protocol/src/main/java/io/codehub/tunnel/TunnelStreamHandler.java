package io.codehub.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * Receives the inbound side of one {@link TunnelStream}.
 *
 * <h2>Threading</h2>
 * Every callback runs on the stream's event loop, one at a time; none may block. Work that
 * blocks goes to another executor, which then uses the thread-safe {@link TunnelStream} methods.
 *
 * <h2>Demand</h2>
 * {@link #onHeaders} and {@link #onData} are delivered only against demand signalled with
 * {@link TunnelStream#request(int)}: one frame per unit. Without demand the peer's stream window
 * stays shut, so a slow consumer holds back its own stream and nothing else.
 *
 * <h2>Lifecycle</h2>
 * Frames in order, then exactly one {@link #onClosed()}; {@link #onReset} precedes it when the
 * stream ended with RST_STREAM (from the peer, a limit, or a local {@link TunnelStream#reset}),
 * in which case undelivered frames are dropped ({@link #onStreamError} carries the typed
 * failure and calls {@code onReset} unless overridden). Buffers passed to {@link #onData} belong to the
 * handler, which must release them.
 */
public interface TunnelStreamHandler {

    /** A HEADERS frame: response headers, informational headers or trailers. */
    void onHeaders(Http2Headers headers, boolean endStream);

    /** A DATA frame; the handler owns {@code data} and must release it. */
    void onData(ByteBuf data, boolean endStream);

    /** The stream's send window or buffer crossed the writability threshold. */
    default void onWritabilityChanged(boolean writable) {
    }

    /** The stream was reset; {@link #onClosed()} follows. */
    default void onReset(Http2Error error) {
    }

    /**
     * The stream ended with an error (instead of {@link #onReset(Http2Error)}, which the default
     * calls with {@link TunnelStreamException#error()}): a RST_STREAM from the peer or from this
     * end, a limit, a session that closed under it, or a GOAWAY that left it unprocessed. The
     * exception says which, with the stream's id, its HTTP/2 error code and whether the peer
     * {@linkplain TunnelException#isUnprocessed() never processed it}. {@link #onClosed()} follows.
     */
    default void onStreamError(TunnelStreamException error) {
        onReset(error.error());
    }

    /** The stream is gone; always the last callback. */
    default void onClosed() {
    }
}
