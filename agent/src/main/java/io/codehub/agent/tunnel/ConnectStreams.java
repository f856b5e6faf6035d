package io.codehub.agent.tunnel;

import io.codehub.tunnel.ConnectRelay;
import io.codehub.tunnel.IncomingStreamHandlerFactory;
import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.TunnelStreamHandler;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;

/**
 * Routes the hub's streams: {@code CONNECT} to the {@link ConnectRelay} under the
 * {@link ManagedUpstreams} policy, everything else to the HTTP adapter.
 *
 * <h2>A target the snapshot does not know</h2>
 * The policy answers from a snapshot, and a workspace started a moment ago may not be in it yet.
 * Rather than refusing it, such a stream waits for one refresh of the snapshot (the runtime's
 * calls never run on the event loop) and is then handed to the relay, whose policy check decides:
 * 200, or 403 and a log line. Until then the stream has no demand, so nothing is read from it.
 */
final class ConnectStreams implements IncomingStreamHandlerFactory {

    private final ConnectRelay relay;
    private final ManagedUpstreams upstreams;
    private final IncomingStreamHandlerFactory other;

    ConnectStreams(ConnectRelay relay, ManagedUpstreams upstreams, IncomingStreamHandlerFactory other) {
        this.relay = relay;
        this.upstreams = upstreams;
        this.other = other;
    }

    @Override
    public TunnelStreamHandler newHandler(TunnelStream stream, Http2Headers headers, boolean endStream) {
        CharSequence method = headers.method();
        if (method == null || !"CONNECT".contentEquals(method)) {
            return other.newHandler(stream, headers, endStream);
        }
        CharSequence authority = headers.authority();
        int colon = authority == null ? -1 : authority.toString().lastIndexOf(':');
        if (authority == null || colon < 1 || endStream || upstreams.recentlyRefreshed()
                || allows(authority.toString(), colon)) {
            return relay.newHandler(stream, headers, endStream);
        }
        AwaitingPolicy waiting = new AwaitingPolicy(stream, headers);
        upstreams.refresh().subscribe(null, error -> waiting.decide(), waiting::decide);
        return waiting;
    }

    private boolean allows(String authority, int colon) {
        try {
            return upstreams.allows(authority.substring(0, colon), Integer.parseInt(authority.substring(colon + 1)));
        } catch (NumberFormatException e) {
            return true; // malformed: the relay answers 400
        }
    }

    /** A CONNECT stream waiting for the snapshot; forwards to the relay's handler once there is one. */
    private final class AwaitingPolicy implements TunnelStreamHandler {

        private final TunnelStream stream;
        private final Http2Headers headers;
        private @Nullable TunnelStreamHandler relayed;
        private boolean closed;

        AwaitingPolicy(TunnelStream stream, Http2Headers headers) {
            this.stream = stream;
            this.headers = headers;
        }

        /** On a runtime thread: the relay only opens a socket bound to the stream's event loop here. */
        synchronized void decide() {
            if (!closed && relayed == null) {
                relayed = relay.newHandler(stream, headers, false);
            }
        }

        private synchronized @Nullable TunnelStreamHandler relayed() {
            return relayed;
        }

        @Override
        public void onHeaders(Http2Headers trailers, boolean endStream) {
            TunnelStreamHandler r = relayed();
            if (r != null) {
                r.onHeaders(trailers, endStream);
            }
        }

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            TunnelStreamHandler r = relayed();
            if (r != null) {
                r.onData(data, endStream);
            } else {
                data.release();
            }
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
            TunnelStreamHandler r = relayed();
            if (r != null) {
                r.onWritabilityChanged(writable);
            }
        }

        @Override
        public void onReset(Http2Error error) {
            TunnelStreamHandler r;
            synchronized (this) {
                closed = true;
                r = relayed;
            }
            if (r != null) {
                r.onReset(error);
            }
        }

        @Override
        public void onClosed() {
            TunnelStreamHandler r;
            synchronized (this) {
                closed = true;
                r = relayed;
            }
            if (r != null) {
                r.onClosed();
            }
        }
    }
}
