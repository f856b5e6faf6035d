package io.codehub.tunnel;

import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import io.codehub.base.Checks;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;

/**
 * Joins two {@link TunnelStream}s frame for frame: what arrives on one is written to the other,
 * HEADERS (informational, final and trailers) and DATA with their END_STREAM flags, and a reset of
 * either resets the other with the same code. The {@link RelayServer} bridges a stream of a relay
 * connection to a stream of an agent's tunnel with it; any two streams, on any event loops, work.
 *
 * <h2>Use</h2>
 * Give {@link #firstHandler()} and {@link #secondHandler()} to whatever creates the two streams
 * (an {@link IncomingStreamHandlerFactory}, {@link TunnelSession#openStream}); then
 * {@link #connect} the two streams (with the request HEADERS the factory consumed, which go to the
 * second stream first), or {@link #secondFailed} when the second could not be opened.
 *
 * <h2>Flow control</h2>
 * Each direction asks its source for {@value #FRAMES_IN_FLIGHT} frames and asks for one more only
 * when a frame's write to the other stream completed, which the other stream's flow-control window
 * holds back. So a slow reader on either end stops the bridge from reading, its source's window
 * shuts, and the bridge itself holds at most {@value #FRAMES_IN_FLIGHT} frames per direction (the
 * source stream's child channel may hold up to its receive window, as for any stream not read).
 *
 * <h2>Errors</h2>
 * A stream that ends with an error resets the other: with {@code REFUSED_STREAM} when the failure
 * was {@linkplain TunnelException#isUnprocessed() unprocessed} (so the first stream's peer learns
 * that nothing reached the second's), otherwise with the failure's HTTP/2 code ({@code CANCEL} when
 * it has none). A failed write resets the stream it came from the same way.
 */
public final class StreamBridge {

    /** Frames each direction may have requested or in flight at once. */
    public static final int FRAMES_IN_FLIGHT = 4;

    private final String name;
    private final Pipe firstToSecond = new Pipe(true);
    private final Pipe secondToFirst = new Pipe(false);
    private @Nullable TunnelStream first;
    private @Nullable TunnelStream second;
    private @Nullable Http2Error firstError;
    private @Nullable Http2Error secondError;
    private boolean connected;

    /** @param name what the bridge joins, for messages (never a credential) */
    public StreamBridge(String name) {
        this.name = Checks.notBlank("name", name);
    }

    /** The handler of the first stream: its frames go to the second. */
    public TunnelStreamHandler firstHandler() {
        return firstToSecond;
    }

    /** The handler of the second stream: its frames go to the first. */
    public TunnelStreamHandler secondHandler() {
        return secondToFirst;
    }

    /**
     * Starts relaying between the two streams whose handlers are {@link #firstHandler()} and
     * {@link #secondHandler()}. If either failed already, the other is reset now.
     *
     * @throws IllegalStateException when already connected
     */
    public void connect(TunnelStream first, TunnelStream second) {
        connect(first, second, null, false);
    }

    /**
     * {@link #connect(TunnelStream, TunnelStream)}, writing {@code secondHeaders} to the second
     * stream first: the request HEADERS an {@link IncomingStreamHandlerFactory} consumed from the
     * first. When the first stream failed already, they are never sent (the second stream is reset
     * before it reaches the wire).
     *
     * @param endStream whether {@code secondHeaders} end the second stream's outbound side
     */
    public void connect(TunnelStream first, TunnelStream second, @Nullable Http2Headers secondHeaders,
            boolean endStream) {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
        Http2Error resetFirst;
        Http2Error resetSecond;
        synchronized (this) {
            if (connected) {
                throw new IllegalStateException("bridge " + name + " is connected already");
            }
            connected = true;
            this.first = first;
            this.second = second;
            firstToSecond.attach(first, second);
            secondToFirst.attach(second, first);
            resetFirst = secondError;
            resetSecond = firstError;
        }
        if (resetSecond != null) {
            second.reset(resetSecond);
        } else if (secondHeaders != null) {
            second.writeHeaders(secondHeaders, endStream);
        }
        if (resetFirst != null) {
            first.reset(resetFirst);
        }
        if (resetFirst == null && resetSecond == null) {
            first.request(FRAMES_IN_FLIGHT);
            second.request(FRAMES_IN_FLIGHT);
        }
    }

    /**
     * The second stream could not be opened (or its first HEADERS not written): resets
     * {@code first} with {@link #resetCode(Throwable)} of {@code cause}, {@code REFUSED_STREAM} for
     * an unprocessed failure.
     */
    public void secondFailed(TunnelStream first, Throwable cause) {
        Objects.requireNonNull(first, "first");
        first.reset(resetCode(cause));
    }

    /**
     * The code a failure resets the other stream with: {@code REFUSED_STREAM} when it was
     * {@linkplain TunnelException#isUnprocessed() unprocessed}, the stream's own code for a
     * {@link TunnelStreamException}, the connection's for a {@link TunnelConnectionException} that
     * has one, else {@code CANCEL}.
     */
    public static Http2Error resetCode(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof TunnelException tunnel && tunnel.isUnprocessed()) {
            return Http2Error.REFUSED_STREAM;
        }
        if (cause instanceof TunnelStreamException stream) {
            return stream.error();
        }
        if (cause instanceof TunnelConnectionException connection && connection.error() != null
                && connection.error() != Http2Error.NO_ERROR) {
            return connection.error();
        }
        return Http2Error.CANCEL;
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A stream failed: reset the other, now or once connected. */
    private void failed(boolean fromFirst, Http2Error code) {
        TunnelStream other;
        synchronized (this) {
            if (fromFirst) {
                if (firstError == null) {
                    firstError = code;
                }
                other = second;
            } else {
                if (secondError == null) {
                    secondError = code;
                }
                other = first;
            }
        }
        if (other != null) {
            other.reset(code);
        }
    }

    @Override
    public String toString() {
        return "StreamBridge{" + name + '}';
    }

    /** One direction: frames of {@code source} written to {@code sink}. */
    private final class Pipe implements TunnelStreamHandler {

        private final boolean fromFirst;
        private volatile @Nullable TunnelStream source;
        private volatile @Nullable TunnelStream sink;

        Pipe(boolean fromFirst) {
            this.fromFirst = fromFirst;
        }

        void attach(TunnelStream from, TunnelStream to) {
            source = from;
            sink = to;
        }

        @Override
        public void onHeaders(Http2Headers headers, boolean endStream) {
            TunnelStream to = sink;
            if (to == null) {
                return; // unreachable: nothing is requested before connect
            }
            to.writeHeaders(headers, endStream).whenComplete((v, e) -> written(e, endStream));
        }

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            TunnelStream to = sink;
            if (to == null) {
                data.release();
                return;
            }
            to.writeData(data, endStream).whenComplete((v, e) -> written(e, endStream));
        }

        private void written(@Nullable Throwable error, boolean endStream) {
            TunnelStream from = source;
            if (from == null) {
                return;
            }
            if (error != null) {
                from.reset(resetCode(error));
            } else if (!endStream) {
                from.request(1);
            }
        }

        @Override
        public void onStreamError(TunnelStreamException error) {
            failed(fromFirst, resetCode(error));
        }
    }
}
