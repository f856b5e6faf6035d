package io.codehub.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.TunnelStreamException;
import io.codehub.tunnel.TunnelStreamHandler;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;

/**
 * A simulated agent's stream whose hub token is checked on {@code checking}, not on the event loop
 * that carries it: the swarm's few event loops carry thousands of agents, which in a real fleet
 * check their tokens (an ES256 verification, milliseconds of a core) each on its own machine. A
 * check on the event loop would hold every other agent's PING ACK behind it, and the hub would
 * close healthy tunnels as half-open. Frames that arrive meanwhile wait here, in order, and go to
 * the handler the verdict makes: the agent application's, or a 401 and nothing more.
 *
 * <p>Callbacks arrive on the event loop and the verdict on a checking thread; both run under this
 * object's lock, so the handler sees its calls one at a time and in order, as from one thread.
 */
final class CheckedStream implements TunnelStreamHandler {

    /** Says why a token is refused, or null when it is accepted. */
    @FunctionalInterface
    interface Check {
        @Nullable String refusal();
    }

    private final List<Runnable> waiting = new ArrayList<>();
    private @Nullable TunnelStreamHandler handler;

    private CheckedStream() {
    }

    /**
     * @param check    the token check (runs on {@code checking})
     * @param accepted the handler of an accepted call (made under the lock, after the check)
     * @param refused  counts a refused call
     */
    static TunnelStreamHandler start(TunnelStream stream, Check check, Supplier<TunnelStreamHandler> accepted,
            Runnable refused, Executor checking) {
        CheckedStream checked = new CheckedStream();
        checking.execute(() -> {
            String refusal = check.refusal();
            synchronized (checked) {
                if (refusal == null) {
                    checked.handler = accepted.get();
                } else {
                    refused.run();
                    stream.writeHeaders(new DefaultHttp2Headers().status("401"), true);
                    checked.handler = DiscardingStream.INSTANCE;
                }
                checked.waiting.forEach(Runnable::run);
                checked.waiting.clear();
            }
        });
        return checked;
    }

    @Override
    public synchronized void onHeaders(Http2Headers headers, boolean endStream) {
        deliver(() -> handler().onHeaders(headers, endStream));
    }

    @Override
    public synchronized void onData(ByteBuf data, boolean endStream) {
        deliver(() -> handler().onData(data, endStream));
    }

    @Override
    public synchronized void onWritabilityChanged(boolean writable) {
        deliver(() -> handler().onWritabilityChanged(writable));
    }

    @Override
    public synchronized void onReset(Http2Error error) {
        deliver(() -> handler().onReset(error));
    }

    @Override
    public synchronized void onStreamError(TunnelStreamException error) {
        deliver(() -> handler().onStreamError(error));
    }

    @Override
    public synchronized void onClosed() {
        deliver(() -> handler().onClosed());
    }

    private void deliver(Runnable call) {
        if (handler == null) {
            waiting.add(call);
        } else {
            call.run();
        }
    }

    private TunnelStreamHandler handler() {
        TunnelStreamHandler current = handler;
        if (current == null) {
            throw new IllegalStateException("no verdict yet");
        }
        return current;
    }
}
