package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP/2 stream of a tunnel: a request/response exchange, or a CONNECT byte stream. The hub
 * gets one from {@link TunnelSession#openStream}; the agent from its
 * {@link IncomingStreamHandlerFactory}. Inbound frames go to the stream's
 * {@link TunnelStreamHandler}.
 *
 * <h2>Threading</h2>
 * Every method is thread-safe; calls from other threads are handed to the stream's event loop in
 * call order, so a {@code writeHeaders} followed by {@code writeData} on one thread reaches the
 * wire in that order.
 *
 * <h2>Flow control</h2>
 * Outbound: a write's future completes when the frame was written to the connection, which the
 * peer's stream window may delay; write more after it completes, or while {@link #isWritable()}
 * (see {@link TunnelStreamHandler#onWritabilityChanged}). Inbound: {@link #request(int)}.
 */
public interface TunnelStream {

    /** Sends HEADERS (request or response headers, or trailers when {@code endStream}). */
    CompletableFuture<Void> writeHeaders(Http2Headers headers, boolean endStream);

    /**
     * Sends DATA; takes ownership of {@code data} (released once written, or at once when the
     * stream is already closed, in which case the future fails).
     */
    CompletableFuture<Void> writeData(ByteBuf data, boolean endStream);

    /**
     * The other end of the tunnel connection this stream rides: on the agent the hub (or the HTTP
     * proxy in between), on the hub the agent (or its NAT); null once the connection is gone.
     */
    @Nullable InetSocketAddress remoteAddress();

    /** Whether a write now would be sent without queueing behind the flow-control window. */
    boolean isWritable();

    /** Asks for {@code n} more inbound frames ({@code n > 0}; demand adds up, capped at 2^62). */
    void request(int n);

    /** Resets the stream with RST_STREAM; pending inbound frames are dropped. */
    void reset(Http2Error error);

    /** Whether the stream is still open in either direction. */
    boolean isOpen();

    /** The session this stream belongs to. */
    String sessionId();
}
