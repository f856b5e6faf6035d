package io.codehub.tunnel;

import io.netty.handler.codec.http2.Http2Error;

/**
 * Counts what only the protocol sees, for metrics: handshake outcomes, replaced sessions, PING
 * round trips, stream resets, bytes on tunnel connections and relayed CONNECT streams. This
 * module knows no metrics library; the hub and the agent implement it (with Micrometer).
 *
 * <h2>Cost</h2>
 * Every method has an empty default, and {@link #NONE} is what a server, a connector or a relay
 * uses unless given another, so an unobserved tunnel pays nothing: the byte counting handler is
 * not even installed. Methods are called on event loops, on the data path: an implementation does
 * no more than a counter increment (cached meters, no tag lookup, never a block). Bytes are
 * reported per socket read batch and per flush, never per frame.
 */
public interface TunnelObserver {

    /** Observes nothing. */
    TunnelObserver NONE = new TunnelObserver() { };

    /** Hub: an upgrade was accepted ({@code 101}); {@code resumed} when the agent presented a resumption ticket. */
    default void handshakeAccepted(boolean resumed) {
    }

    /** Hub: a request on the tunnel port was refused with {@code problem} (an upgrade or an endpoint call). */
    default void handshakeRejected(HandshakeProblem problem) {
    }

    /** Hub: a connection failed its TLS handshake (before any HTTP request). */
    default void tlsHandshakeFailed() {
    }

    /** Hub: a new session of an agent replaced its older one (GOAWAY {@value TunnelProtocol#GOAWAY_REPLACED}). */
    default void sessionReplaced() {
    }

    /** Hub: the round-trip time of an acknowledged keepalive PING. */
    default void pingAcknowledged(long rttNanos) {
    }

    /** A stream was reset with {@code error}: by this end ({@code sent}) or by the peer. */
    default void streamReset(Http2Error error, boolean sent) {
    }

    /** Bytes read from a tunnel connection's socket (TLS records included), per read batch. */
    default void bytesReceived(long bytes) {
    }

    /** Bytes written to a tunnel connection's socket (TLS records included), per flush. */
    default void bytesSent(long bytes) {
    }

    /** Agent: a CONNECT stream reached its upstream ({@code 200}); {@link #connectStreamClosed} follows. */
    default void connectStreamOpened() {
    }

    /** Agent: a CONNECT stream that had opened is over. */
    default void connectStreamClosed() {
    }

    /** Agent: bytes relayed from the hub to a CONNECT stream's upstream. */
    default void connectBytesToUpstream(long bytes) {
    }

    /** Agent: bytes relayed from a CONNECT stream's upstream to the hub. */
    default void connectBytesFromUpstream(long bytes) {
    }
}
