package io.codehub.tunnel;

import java.util.Objects;

import io.netty.handler.codec.http2.Http2Error;
import org.jspecify.annotations.Nullable;

/**
 * One stream of a tunnel failed; the session and its other streams go on (an HTTP/2 stream error,
 * RFC 9113 §5.4.2). Carries the stream's id and the HTTP/2 error code it ended with.
 *
 * <h2>Unprocessed streams</h2>
 * {@link #isUnprocessed()} holds when the peer provably never processed the stream: it answered
 * with {@code RST_STREAM REFUSED_STREAM} (RFC 9113 §8.7), its GOAWAY's last stream id is below the
 * stream's (reported with {@link Http2Error#REFUSED_STREAM} too, as the RFC treats both alike), or
 * the stream's HEADERS never left this end (a local limit, a session that closed first).
 */
public final class TunnelStreamException extends TunnelException {

    private static final long serialVersionUID = 1L;

    /** The {@link #streamId()} of a stream that failed before it was given an id. */
    public static final int NO_STREAM_ID = -1;

    private final int streamId;
    private final Http2Error error;

    /**
     * @param streamId    the stream's id, or {@link #NO_STREAM_ID}
     * @param error       the HTTP/2 error code the stream ended with
     * @param unprocessed whether the peer provably never processed the stream
     * @param message     what was attempted on what, and what happened
     * @param cause       the underlying failure, if any
     */
    public TunnelStreamException(int streamId, Http2Error error, boolean unprocessed, String message,
            @Nullable Throwable cause) {
        super(message, cause, unprocessed);
        this.streamId = streamId;
        this.error = Objects.requireNonNull(error, "error");
    }

    /** The stream was reset with {@code error} (by the peer or by this end); unprocessed only for REFUSED_STREAM from the peer. */
    static TunnelStreamException reset(String stream, int streamId, Http2Error error, boolean byPeer) {
        boolean refused = byPeer && error == Http2Error.REFUSED_STREAM;
        return new TunnelStreamException(streamId, error, refused, stream + " was reset "
                + (byPeer ? "by the peer" : "by this end") + " (" + error + ")"
                + (refused ? ": refused before any processing" : ""), null);
    }

    /** The stream's id, or {@link #NO_STREAM_ID} when it failed before it had one. */
    public int streamId() {
        return streamId;
    }

    /** The HTTP/2 error code the stream ended with. */
    public Http2Error error() {
        return error;
    }
}
