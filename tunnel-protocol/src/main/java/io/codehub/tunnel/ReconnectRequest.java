package io.codehub.tunnel;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * Hub side of "reconnect elsewhere": one stream {@code POST /v1/tunnel/reconnect} on a session,
 * whose answer says whether the agent will move by itself ({@value TunnelProtocol#RECONNECT_ACCEPTED}:
 * it connects anew, then closes this session with GOAWAY {@value TunnelProtocol#GOAWAY_MOVED}).
 * Any other answer, a failed stream or no answer within the timeout means it will not (an agent older
 * than the message answers from its Agent API: 401 or 404); the caller then drains the session with
 * GOAWAY {@value TunnelProtocol#GOAWAY_DRAINING}.
 */
final class ReconnectRequest implements TunnelStreamHandler {

    private static final System.Logger LOG = System.getLogger(ReconnectRequest.class.getName());

    private final CompletableFuture<Boolean> accepted = new CompletableFuture<>();
    private volatile @Nullable TunnelStream stream;

    private ReconnectRequest() {
    }

    /**
     * Asks the agent of {@code session} to reconnect elsewhere; completes with whether it accepted,
     * never exceptionally. A request unanswered after {@code timeout} is reset and counts as refused.
     */
    static CompletableFuture<Boolean> send(TunnelSession session, Duration timeout) {
        ReconnectRequest request = new ReconnectRequest();
        session.openStream(request).whenComplete((stream, error) -> {
            if (error != null) {
                LOG.log(System.Logger.Level.DEBUG, "reconnect request on session {0} not sent: {1}",
                        session.sessionId(), error.toString());
                request.accepted.complete(false);
                return;
            }
            request.stream = stream;
            ScheduledFuture<?> timer = session.eventLoop().schedule(() -> {
                if (request.accepted.complete(false)) {
                    stream.reset(Http2Error.CANCEL);
                }
            }, timeout.toNanos(), TimeUnit.NANOSECONDS);
            request.accepted.whenComplete((v, e) -> timer.cancel(false));
            stream.request(1);
            Http2Headers headers = new DefaultHttp2Headers().method(TunnelProtocol.RECONNECT_METHOD).scheme("http")
                    .authority("agent").path(TunnelProtocol.RECONNECT_PATH);
            stream.writeHeaders(headers, true).whenComplete((v, e) -> {
                if (e != null) {
                    request.accepted.complete(false);
                }
            });
        });
        return request.accepted;
    }

    @Override
    public void onHeaders(Http2Headers headers, boolean endStream) {
        CharSequence status = headers.status();
        if (status != null && status.length() > 0 && status.charAt(0) == '1') {
            requestMore(); // informational: the final answer follows
            return;
        }
        accepted.complete(status != null && String.valueOf(TunnelProtocol.RECONNECT_ACCEPTED).contentEquals(status));
        if (!endStream) {
            requestMore(); // read whatever body the answer has, so the stream can end
        }
    }

    @Override
    public void onData(ByteBuf data, boolean endStream) {
        data.release();
        if (!endStream) {
            requestMore();
        }
    }

    @Override
    public void onStreamError(TunnelStreamException error) {
        accepted.complete(false);
    }

    @Override
    public void onClosed() {
        accepted.complete(false);
    }

    private void requestMore() {
        TunnelStream s = stream;
        if (s != null) {
            s.request(1);
        }
    }
}
