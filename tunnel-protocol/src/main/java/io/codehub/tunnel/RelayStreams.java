package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * The streams of one relay connection (owner side): asks the {@link RelayHandler} about each, then
 * either answers the refusal or opens a stream on the target session and joins the two with a
 * {@link StreamBridge}, after writing the request HEADERS without the relay's own headers.
 */
final class RelayStreams implements IncomingStreamHandlerFactory {

    private static final System.Logger LOG = System.getLogger(RelayStreams.class.getName());
    private static final AsciiString PREFIX = AsciiString.of(RelayServer.HEADER_PREFIX);

    private final RelayHandler handler;
    private final InetSocketAddress peer;
    private final String connection;
    private final Duration connectIdleTimeout;

    RelayStreams(RelayHandler handler, InetSocketAddress peer, String connection, Duration connectIdleTimeout) {
        this.handler = handler;
        this.peer = peer;
        this.connection = connection;
        this.connectIdleTimeout = connectIdleTimeout;
    }

    @Override
    public TunnelStreamHandler newHandler(TunnelStream inbound, Http2Headers requestHeaders, boolean endStream) {
        RelayDecision decision;
        try {
            decision = handler.decide(requestHeaders, peer);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "relay handler failed on " + connection, e);
            decision = RelayDecision.refuse(RelayProblem.INTERNAL_ERROR, "the relay handler failed");
        }
        if (decision == null) {
            decision = RelayDecision.refuse(RelayProblem.INTERNAL_ERROR, "the relay handler decided nothing");
        }
        if (decision instanceof RelayDecision.Forward forward && forward.target() instanceof RelayView) {
            decision = RelayDecision.refuse(RelayProblem.LOOP, "the owner of an agent does not forward again");
        }
        if (decision instanceof RelayDecision.Refuse refuse) {
            return refuse(inbound, refuse, endStream);
        }
        TunnelSession target = ((RelayDecision.Forward) decision).target();
        boolean connect = ConnectRelay.isConnect(requestHeaders);
        if (connect) {
            idleTimeout(inbound, connectIdleTimeout);
        }
        StreamBridge bridge = new StreamBridge(connection + " -> session " + target.sessionId());
        Http2Headers outbound = withoutRelayHeaders(requestHeaders);
        target.openStream(bridge.secondHandler()).whenComplete((second, error) -> {
            if (error != null) {
                LOG.log(System.Logger.Level.DEBUG, "relayed stream on {0} not opened on session {1}: {2}",
                        connection, target.sessionId(), error);
                bridge.secondFailed(inbound, error);
                return;
            }
            if (connect) {
                idleTimeout(second, connectIdleTimeout);
            }
            bridge.connect(inbound, second, outbound, endStream);
        });
        return bridge.firstHandler();
    }

    /** Replaces a stream's idle timeout, on its event loop (a stream of another kind keeps its own). */
    private static void idleTimeout(TunnelStream stream, Duration timeout) {
        if (stream instanceof DefaultTunnelStream tunnelStream) {
            if (tunnelStream.eventLoop().inEventLoop()) {
                tunnelStream.idleTimeout(timeout);
            } else {
                tunnelStream.eventLoop().execute(() -> tunnelStream.idleTimeout(timeout));
            }
        }
    }

    /** {@code headers} minus every {@value RelayServer#HEADER_PREFIX}{@code *} header. */
    static Http2Headers withoutRelayHeaders(Http2Headers headers) {
        Http2Headers copy = new DefaultHttp2Headers(false, headers.size());
        for (Map.Entry<CharSequence, CharSequence> header : headers) {
            CharSequence name = header.getKey();
            if (!AsciiString.regionMatches(name, true, 0, PREFIX, 0, PREFIX.length())) {
                copy.add(name, header.getValue());
            }
        }
        return copy;
    }

    /** Answers the problem, ends the stream, and reads and drops what is left of the request. */
    private static TunnelStreamHandler refuse(TunnelStream inbound, RelayDecision.Refuse refuse, boolean endStream) {
        byte[] body = ProblemBodies.encode(refuse.problemType(), refuse.title(), refuse.status(), refuse.detail());
        Http2Headers headers = new DefaultHttp2Headers()
                .status(Integer.toString(refuse.status()))
                .set(HttpHeaderNames.CONTENT_TYPE, TunnelProtocol.PROBLEM_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        inbound.writeHeaders(headers, false);
        inbound.writeData(Unpooled.wrappedBuffer(body), true);
        if (!endStream) {
            inbound.request(Integer.MAX_VALUE);
        }
        return new TunnelStreamHandler() {
            @Override
            public void onHeaders(Http2Headers trailers, boolean end) {
            }

            @Override
            public void onData(ByteBuf data, boolean end) {
                data.release();
            }
        };
    }
}
