package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.codehub.base.Checks;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateHandler;
import org.jspecify.annotations.Nullable;

/**
 * {@link TunnelStream} over a multiplexer child channel. Writes go through the channel (which
 * hands calls from other threads to its event loop in order); demand and resets go to the
 * {@link StreamChannelHandler} on the event loop.
 */
final class DefaultTunnelStream implements TunnelStream {

    private final Http2StreamChannel channel;
    private final String sessionId;
    private final StreamChannelHandler handler;

    DefaultTunnelStream(Http2StreamChannel channel, String sessionId, StreamChannelHandler handler) {
        this.channel = channel;
        this.sessionId = sessionId;
        this.handler = handler;
    }

    @Override
    public CompletableFuture<Void> writeHeaders(Http2Headers headers, boolean endStream) {
        Objects.requireNonNull(headers, "headers");
        return completable(channel.writeAndFlush(new DefaultHttp2HeadersFrame(headers, endStream)), "writeHeaders");
    }

    @Override
    public CompletableFuture<Void> writeData(ByteBuf data, boolean endStream) {
        Objects.requireNonNull(data, "data");
        return completable(channel.writeAndFlush(new DefaultHttp2DataFrame(data, endStream)), "writeData");
    }

    @Override
    public @Nullable InetSocketAddress remoteAddress() {
        return (java.net.InetSocketAddress) channel.parent().remoteAddress();
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public void request(int n) {
        Checks.positive("n", n);
        onEventLoop(() -> handler.request(n));
    }

    @Override
    public void reset(Http2Error error) {
        Objects.requireNonNull(error, "error");
        onEventLoop(() -> handler.reset(error));
    }

    @Override
    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    EventLoop eventLoop() {
        return channel.eventLoop();
    }

    /** Event loop only: replaces the stream's idle timeout (see {@link Http2Pipelines#streamIdleHandler}). */
    void idleTimeout(Duration timeout) {
        IdleStateHandler current = channel.pipeline().get(IdleStateHandler.class);
        IdleStateHandler replacement = new IdleStateHandler(0, 0, timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (current != null) {
            channel.pipeline().replace(current, null, replacement);
        } else {
            channel.pipeline().addFirst(replacement);
        }
    }

    Http2StreamChannel channel() {
        return channel;
    }

    private void onEventLoop(Runnable task) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    private CompletableFuture<Void> completable(ChannelFuture future, String operation) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        future.addListener(f -> {
            if (f.isSuccess()) {
                result.complete(null);
            } else {
                result.completeExceptionally(writeFailure(operation, f.cause()));
            }
        });
        return result;
    }

    /** Event loop only (a write's listener): the typed failure of a write. */
    private TunnelException writeFailure(String operation, Throwable cause) {
        if (cause instanceof TunnelException typed) {
            return typed;
        }
        String what = operation + " on " + this + " failed: ";
        TunnelStreamException failed = handler.failure();
        int id = channel.stream().id();
        if (failed != null) {
            return new TunnelStreamException(id, failed.error(), failed.isUnprocessed(), what + failed.getMessage(), cause);
        }
        if (!channel.parent().isActive()) {
            return new TunnelConnectionException(TunnelConnectionException.Reason.CLOSED, what + "its session closed",
                    cause);
        }
        if (cause instanceof Http2Exception.StreamException stream) {
            return new TunnelStreamException(id, stream.error(), false, what + cause.getMessage(), cause);
        }
        if (cause instanceof Http2Exception connection) {
            return new TunnelConnectionException(TunnelConnectionException.Reason.LOST, connection.error(), false,
                    what + cause.getMessage(), cause);
        }
        return new TunnelStreamException(id, Http2Error.STREAM_CLOSED, false, what + cause, cause);
    }

    @Override
    public String toString() {
        return "TunnelStream{session=" + sessionId + ", id=" + channel.stream().id() + '}';
    }
}
