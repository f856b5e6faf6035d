package io.codehub.tunnel.spring;

import java.net.URI;
import java.util.function.Function;

import io.codehub.runtime.BackendUnavailableException;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.TunnelStreamHandler;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpResponse;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * One call on one tunnel stream: opens the stream, lets WebClient write the request into it, and
 * turns the agent's frames into a {@link ClientHttpResponse}.
 *
 * <h2>Demand</h2>
 * One frame is requested for the response HEADERS; after that the body's subscriber drives
 * {@link TunnelStream#request(int)}, one frame per buffer it asks for (an empty DATA frame is
 * replaced by asking for one more), so nothing is read ahead of the consumer.
 *
 * <h2>Failures and release</h2>
 * A stream that is reset or closed before the answer ended fails the response (or its body) with
 * a {@link BackendUnavailableException} naming the agent and the call. Cancelling the response or
 * its body resets the stream with {@code CANCEL}; buffers that arrive after that, or that wait in
 * the body's queue, are released.
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
    private volatile @Nullable Disposable writing;
    private volatile boolean responded;
    private volatile boolean finished;
    private volatile boolean cancelled;
    private volatile @Nullable FluxSink<DataBuffer> body;
    private @Nullable Throwable bodyFailure; // guarded by this, with body
    private volatile boolean bodyEnded;

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
                    exchange.fail(unavailable(agentId, "cannot open a tunnel stream for "
                            + exchange.operation + ": " + failure.getMessage(), failure));
                } else {
                    exchange.start(opened, write);
                }
            });
        });
    }

    private void start(TunnelStream opened, Function<? super ClientHttpRequest, Mono<Void>> write) {
        stream = opened;
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
        if (responded) {
            // Trailers: the Agent API sends none that matter; they end the body.
            endBody();
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
            if (status >= 100 && status < 200 && !endStream && s != null) {
                s.request(1); // informational: the real answer follows
                return;
            }
            if (s != null) {
                s.reset(Http2Error.PROTOCOL_ERROR);
            }
            fail(unavailable(agentId, "answered " + operation + " with an invalid :status " + statusValue, null));
            return;
        }
        responded = true;
        if (endStream) {
            bodyEnded = true;
            finished = true;
        }
        Flux<DataBuffer> bodyFlux = Flux.<DataBuffer>create(this::attachBody)
                .doOnDiscard(DataBuffer.class, DataBufferUtils::release);
        response.success(new TunnelClientHttpResponse(status, TunnelHeaders.response(headers), bodyFlux,
                agentId + "/" + (s == null ? "?" : s.toString())));
    }

    @Override
    public void onData(ByteBuf data, boolean endStream) {
        FluxSink<DataBuffer> sink = body;
        if (sink == null || bodyEnded || sink.isCancelled()) {
            data.release();
            return;
        }
        if (data.isReadable()) {
            sink.next(buffers.wrap(data));
        } else {
            data.release();
            TunnelStream s = stream;
            if (!endStream && s != null) {
                s.request(1);
            }
        }
        if (endStream) {
            endBody();
        }
    }

    @Override
    public void onReset(Http2Error error) {
        fail(unavailable(agentId, "the tunnel stream of " + operation + " was reset (" + error + ")", null));
    }

    @Override
    public void onClosed() {
        fail(unavailable(agentId, "the tunnel stream of " + operation + " closed before the answer was complete", null));
    }

    /** Called once the body is subscribed to (on the subscriber's thread). */
    private void attachBody(FluxSink<DataBuffer> sink) {
        TunnelStream s = stream;
        Throwable failure;
        synchronized (this) {
            if (body != null) {
                sink.error(new IllegalStateException("the body of " + operation + " can be read only once"));
                return;
            }
            body = sink;
            failure = bodyFailure;
        }
        if (bodyEnded) {
            sink.complete();
            return;
        }
        if (failure != null) {
            sink.error(failure);
            return;
        }
        sink.onRequest(n -> {
            if (s != null && !finished) {
                s.request((int) Math.min(n, Integer.MAX_VALUE));
            }
        });
        sink.onCancel(this::cancel);
    }

    private void endBody() {
        bodyEnded = true;
        finished = true;
        FluxSink<DataBuffer> sink = body;
        if (sink != null) {
            sink.complete();
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
        fail(failure instanceof io.codehub.tunnel.TunnelException
                ? unavailable(agentId, "writing " + operation + " to the tunnel failed: " + failure.getMessage(), failure)
                : failure);
    }

    private void fail(Throwable failure) {
        if (finished) {
            return;
        }
        finished = true;
        Disposable w = writing;
        if (w != null) {
            w.dispose();
        }
        if (!responded) {
            response.error(failure);
            return;
        }
        FluxSink<DataBuffer> sink;
        synchronized (this) {
            sink = body;
            if (sink == null) {
                bodyFailure = failure;
            }
        }
        if (sink != null) {
            sink.error(failure);
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

    static BackendUnavailableException unavailable(String agentId, String problem, @Nullable Throwable cause) {
        return new BackendUnavailableException("agent " + agentId + ": " + problem, cause);
    }
}
