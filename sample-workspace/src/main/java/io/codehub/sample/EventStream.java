package io.codehub.sample;

import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code GET /sse}: {@code count} server-sent events {@code data: event <i>}, each
 * flushed on its own, {@code intervalMillis} apart (the first at once), then the end of the body.
 * The next event is scheduled only once the previous one is written, so a client that stops
 * reading holds at most one event in flight.
 *
 * <p>Threading: created, run and cancelled on the channel's event loop.
 */
final class EventStream {

    /** The most events one request may ask for. */
    static final long MAX_COUNT = 1_000_000;

    private final ChannelHandlerContext ctx;
    private final long count;
    private final long intervalMillis;
    private final ChannelPromise done;
    private long sent;
    private @Nullable ScheduledFuture<?> next;

    private EventStream(ChannelHandlerContext ctx, long count, long intervalMillis) {
        this.ctx = ctx;
        this.count = count;
        this.intervalMillis = intervalMillis;
        this.done = ctx.newPromise();
    }

    /**
     * Starts writing events after the response head the caller has written; the future completes
     * when the last event and the end of the body are written, or fails when the channel closed.
     */
    static EventStream start(ChannelHandlerContext ctx, long count, long intervalMillis) {
        EventStream stream = new EventStream(ctx, count, intervalMillis);
        stream.send();
        return stream;
    }

    ChannelFuture done() {
        return done;
    }

    /** Stops the stream (its channel closed): no event is sent any more, {@link #done} fails. */
    void cancel() {
        if (next != null) {
            next.cancel(false);
        }
        done.tryFailure(new ClosedChannelException());
    }

    private void send() {
        next = null;
        if (done.isDone()) {
            return;
        }
        if (sent == count) {
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(this::ended);
            return;
        }
        ByteBuf event = ctx.alloc().buffer(32);
        event.writeCharSequence("data: event " + sent + "\n\n", StandardCharsets.UTF_8);
        sent++;
        ctx.writeAndFlush(new DefaultHttpContent(event)).addListener(written -> {
            if (!written.isSuccess()) {
                done.tryFailure(written.cause());
            } else if (sent == count) {
                send();
            } else {
                next = ctx.executor().schedule(this::send, intervalMillis, TimeUnit.MILLISECONDS);
            }
        });
    }

    private void ended(Future<? super Void> written) {
        if (written.isSuccess()) {
            done.trySuccess();
        } else {
            done.tryFailure(written.cause());
        }
    }
}
