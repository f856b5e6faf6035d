package io.codehub.tunnel.spring;

import java.net.URI;
import java.util.function.Function;

import io.codehub.runtime.UnprocessedRequestException;
import io.codehub.tunnel.TunnelConnectionException;
import io.codehub.tunnel.TunnelException;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.TunnelStreamException;
import io.codehub.tunnel.TunnelStreamHandler;
import io.codehub.tunnel.reactive.StreamReader;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpResponse;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * One call on one tunnel stream: opens the stream, lets WebClient write the request into it, and
 * turns the agent's frames into a {@link ClientHttpResponse} whose body is the tunnel's one
 * {@link StreamReader}.
 *
 * <h2>Demand</h2>
 * One frame is requested for the response HEADERS; after that the body's subscriber drives
 * {@link TunnelStream#request(int)} through the reader, so nothing is read ahead of the consumer.
 *
 * <h2>Failures</h2>
 * The connector reports transport failures, it does not translate them: {@code RemoteRuntime} turns
 * them into the Runtime's errors, in one place. A stream that fails before or while the answer
 * comes fails the response (or its body) with the stream's typed {@link TunnelException}, its
 * message naming the agent and the call. A failure the agent provably never processed (a refused
 * stream, a stream above its GOAWAY's last stream id, a session that could not take the stream) is
 * an {@link UnprocessedRequestException} with that typed exception as its cause, so that the caller
 * may retry any call. Cancelling the response or its body resets the stream with {@code CANCEL}.
 *
 * <h2>Threading</h2>
 * Stream callbacks run on the tunnel's event loop, one at a time; cancellation may come from any
 * thread and only resets the stream (which the stream hands to its event loop).
 */
final class TunnelExchange implements TunnelStreamHandler {

    private final String agentId;
    private final HttpMethod method;
    private final URI uri;
    private final String operation;
    private final NettyDataBufferFactory buffers;
    private final MonoSink<ClientHttpResponse> response;
    private volatile @Nullable TunnelStream stream;
    private volatile @Nullable StreamReader body;
    private volatile @Nullable Disposable writing;
    private volatile boolean responded;
    private volatile boolean finished;
    private volatile boolean cancelled;

    private TunnelExchange(String agentId, HttpMethod method, URI uri, NettyDataBufferFactory buffers,
            MonoSink<ClientHttpResponse> response) {
        this.agentId = agentId;
        this.method = method;
        this.uri = uri;
        this.operation = method.name() + " " + TunnelHeaders.path(uri);
        this.buffers = buffers;
        this.response = response;
    }

    /** The response of {@code method uri} on {@code session}; the request is written by {@code write}. */
    static Mono<ClientHttpResponse> exchange(TunnelSession session, String agentId, HttpMethod method, URI uri,
            NettyDataBufferFactory buffers, Function<? super ClientHttpRequest, Mono<Void>> write) {
        return Mono.create(sink -> {
            TunnelExchange exchange = new TunnelExchange(agentId, method, uri, buffers, sink);
            sink.onCancel(exchange::cancel);
            session.openStream(exchange).whenComplete((opened, failure) -> {
                if (failure != null) {
                    exchange.fail(failure);
                } else {
                    exchange.start(opened, write);
                }
            });
        });
    }

    private void start(TunnelStream opened, Function<? super ClientHttpRequest, Mono<Void>> write) {
        stream = opened;
        body = new StreamReader(opened, buffers, Long.MAX_VALUE, false, StreamReader.OnCancel.RESET, 0);
        if (cancelled) {
            opened.reset(Http2Error.CANCEL);
            return;
        }
        opened.request(1);
        TunnelClientHttpRequest request = new TunnelClientHttpRequest(method, uri, agentId, opened, buffers);
        writing = Mono.defer(() -> write.apply(request)).subscribe(null, this::requestFailed);
    }

    @Override
    public void onHeaders(Http2Headers headers, boolean endStream) {
        TunnelStream s = stream;
        StreamReader reader = body;
        if (s == null || reader == null) {
            return;
        }
        if (responded) {
            // Trailers: the Agent API sends none that matter; with END_STREAM they end the body.
            reader.onTrailers(endStream);
            finished |= endStream;
            return;
        }
        CharSequence statusValue = headers.status();
        int status;
        try {
            status = statusValue == null ? -1 : Integer.parseInt(statusValue.toString());
        } catch (NumberFormatException e) {
            status = -1;
        }
        if (status < 200 || status > 599) {
            if (status >= 100 && status < 200 && !endStream) {
                s.request(1); // informational: the real answer follows
                return;
            }
            s.reset(Http2Error.PROTOCOL_ERROR);
            fail(new TunnelStreamException(TunnelStreamException.NO_STREAM_ID, Http2Error.PROTOCOL_ERROR, false,
                    "agent " + agentId + " answered " + operation + " with an invalid :status " + statusValue, null));
            return;
        }
        responded = true;
        if (endStream) {
            reader.onTrailers(true);
            finished = true;
        }
        response.success(new TunnelClientHttpResponse(status, TunnelHeaders.response(headers), reader.flux(),
                agentId + "/" + s));
    }

    @Override
    public void onData(ByteBuf data, boolean endStream) {
        StreamReader reader = body;
        if (reader == null || !responded) {
            data.release();
            return;
        }
        reader.onData(data, endStream);
        finished |= endStream;
    }

    @Override
    public void onStreamError(TunnelStreamException error) {
        fail(error);
    }

    @Override
    public void onClosed() {
        Disposable w = writing;
        if (w != null) {
            w.dispose();
        }
        if (!finished) { // the common case is an answer read to its end: no exception to make
            fail(new TunnelStreamException(TunnelStreamException.NO_STREAM_ID, Http2Error.CANCEL, false,
                    "the tunnel stream closed before the answer was complete", null));
        }
    }

    private void requestFailed(Throwable failure) {
        if (finished) {
            return;
        }
        TunnelStream s = stream;
        if (s != null) {
            s.reset(Http2Error.CANCEL);
        }
        fail(failure);
    }

    /** Fails the response, or its body once the response was given; the first failure wins. */
    private void fail(Throwable failure) {
        if (finished) {
            return;
        }
        finished = true;
        Throwable reported = onThisCall(failure);
        Disposable w = writing;
        if (w != null) {
            w.dispose();
        }
        StreamReader reader = body;
        if (!responded || reader == null) {
            response.error(reported);
        } else {
            reader.onError(reported);
        }
    }

    private void cancel() {
        cancelled = true;
        Disposable w = writing;
        if (w != null) {
            w.dispose();
        }
        if (!finished) {
            finished = true;
            TunnelStream s = stream;
            if (s != null) {
                s.reset(Http2Error.CANCEL);
            }
        }
    }

    /**
     * A tunnel failure with the agent and the call in its message, of the same type and code; one
     * the agent never processed is wrapped in an {@link UnprocessedRequestException}. Anything else
     * (the request body's own error) is passed on as it is.
     */
    private Throwable onThisCall(Throwable failure) {
        if (!(failure instanceof TunnelException tunnel)) {
            return failure;
        }
        String message = "agent " + agentId + ": the tunnel stream of " + operation + " failed: " + tunnel.getMessage();
        TunnelException typed;
        if (tunnel instanceof TunnelStreamException s) {
            typed = new TunnelStreamException(s.streamId(), s.error(), s.isUnprocessed(), message, s);
        } else if (tunnel instanceof TunnelConnectionException c) {
            typed = new TunnelConnectionException(c.reason(), c.error(), c.isUnprocessed(), message, c);
        } else {
            typed = tunnel;
        }
        return tunnel.isUnprocessed()
                ? new UnprocessedRequestException(message + " (the agent never processed it)", typed)
                : typed;
    }
}
