package io.codehub.tunnel;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;

/**
 * Last handler of a stream child channel ({@code AUTO_READ} off): turns {@link TunnelStream#request}
 * demand into {@code read()} calls and frames into {@link TunnelStreamHandler} callbacks.
 *
 * <h2>Flow control</h2>
 * The multiplexer sends WINDOW_UPDATE for a stream only when its frames are read into this
 * pipeline, so no demand means a shut stream window; frames one {@code read()} yields beyond the
 * demand wait in {@link #pending}, which is therefore bounded by one read batch.
 *
 * <h2>Close</h2>
 * A stream that closes after the peer ended it cleanly keeps its remaining frames until they are
 * requested. A stream that closes any other way (RST_STREAM, idle timeout, connection lost) drops
 * them and reports {@link TunnelStreamHandler#onStreamError} first. The multiplexer keeps a closed
 * stream's child channel open while frames wait in its queue, so after a reset this handler reads
 * the queue empty, and when the connection closes it reads what is left into {@link #pending}
 * (a stream that ended cleanly keeps it until requested) and closes the child channel itself.
 *
 * <h2>Errors</h2>
 * Each way a stream can fail becomes one {@link TunnelStreamException} with its code. Those the
 * peer provably never processed are marked so: its {@code REFUSED_STREAM}, a GOAWAY whose last
 * stream id is below this stream's ({@link #goAwayReceived}, before the codec closes the stream), and
 * a locally opened stream whose first HEADERS could not be written (the agent's
 * SETTINGS_MAX_CONCURRENT_STREAMS, a GOAWAY already received, a connection that closed first).
 */
final class StreamChannelHandler extends ChannelDuplexHandler {

    private static final System.Logger LOG = System.getLogger(StreamChannelHandler.class.getName());

    /** The open streams this end opened on a connection, for {@link #goAwayReceived}; event loop only. */
    private static final AttributeKey<Set<StreamChannelHandler>> LOCAL_STREAMS =
            AttributeKey.valueOf(StreamChannelHandler.class, "localStreams");

    private final String sessionId;
    private final @Nullable IncomingStreamHandlerFactory factory;
    private final TunnelObserver observer;
    private @Nullable TunnelStreamHandler user;
    private final ArrayDeque<Http2StreamFrame> pending = new ArrayDeque<>();
    private @Nullable ChannelHandlerContext ctx;
    private @Nullable DefaultTunnelStream stream;
    private long demand;
    private boolean readIssued;
    private boolean delivering;
    private boolean inboundEnded;
    private boolean inactive;
    private boolean closedDelivered;
    private boolean headersWritten;
    private @Nullable Http2Error resetError;
    private @Nullable TunnelStreamException failure;

    /** Hub side: the handler is known when the stream is opened. */
    StreamChannelHandler(String sessionId, TunnelStreamHandler user, TunnelObserver observer) {
        this.sessionId = sessionId;
        this.user = user;
        this.factory = null;
        this.observer = observer;
    }

    /** Agent side: the handler is made from the request HEADERS, read without demand. */
    StreamChannelHandler(String sessionId, IncomingStreamHandlerFactory factory) {
        this.sessionId = sessionId;
        this.factory = factory;
        this.observer = TunnelObserver.NONE;
    }

    DefaultTunnelStream stream() {
        DefaultTunnelStream s = stream;
        if (s == null) {
            throw new IllegalStateException("stream: not yet added to a channel");
        }
        return s;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.stream = new DefaultTunnelStream((Http2StreamChannel) ctx.channel(), sessionId, this);
        // A child channel whose stream ended stays open while frames wait for a read(); when the
        // connection goes, nobody will read them, so close it (which releases them).
        ctx.channel().parent().closeFuture().addListener(closeWithParent);
        if (factory == null) {
            Set<StreamChannelHandler> local = ctx.channel().parent().attr(LOCAL_STREAMS).get();
            if (local == null) {
                local = new HashSet<>();
                ctx.channel().parent().attr(LOCAL_STREAMS).set(local);
            }
            local.add(this);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        forgetLocal(ctx);
    }

    private void forgetLocal(ChannelHandlerContext ctx) {
        Set<StreamChannelHandler> local = ctx.channel().parent().attr(LOCAL_STREAMS).get();
        if (local != null) {
            local.remove(this);
        }
    }

    /**
     * Event loop of {@code connection}, when the peer's GOAWAY arrives: the streams this end opened
     * above its last stream id were never processed (RFC 9113 §6.8). Netty's multiplexer tells
     * such streams only on the side it takes for the client, and it takes the side from the parent
     * channel: the hub, an HTTP/2 client on an accepted channel, would never hear. So the session
     * handler tells them here, before the codec closes them.
     */
    static void goAwayReceived(Channel connection, int lastStreamId, long errorCode) {
        Set<StreamChannelHandler> local = connection.attr(LOCAL_STREAMS).get();
        if (local == null) {
            return;
        }
        for (StreamChannelHandler stream : List.copyOf(local)) {
            if (stream.streamId() > lastStreamId) {
                stream.goneAway(lastStreamId, errorCode);
            }
        }
    }

    private void goneAway(int lastStreamId, long errorCode) {
        Http2Error code = Http2Error.valueOf(errorCode);
        markFailed(new TunnelStreamException(streamId(), Http2Error.REFUSED_STREAM, true, describe()
                + " is above the last stream id " + lastStreamId + " of the peer's GOAWAY ("
                + (code == null ? errorCode : code) + "): never processed", null));
        maybeRead();
    }

    private final ChannelFutureListener closeWithParent = f -> {
        ChannelHandlerContext c = ctx;
        if (c != null && c.channel().isOpen()) {
            if (resetError == null && !closedDelivered && !inactive) {
                // A graceful close ends the connection once every stream ended on the wire, which
                // may be before their last frames were read: take what the multiplexer still holds
                // into pending, so an answer that arrived whole survives the close.
                readIssued = true;
                c.read();
            }
            c.channel().close();
        }
    };

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (factory != null && user == null) {
            readIssued = true;
            ctx.read();
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame || msg instanceof Http2DataFrame) {
            Http2StreamFrame frame = (Http2StreamFrame) msg;
            if (resetError != null || closedDelivered) {
                ReferenceCountUtil.release(frame);
                return;
            }
            inboundEnded |= isEndStream(frame);
            if (user == null) {
                dispatch(frame);
                return;
            }
            pending.add(frame);
            deliver();
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void dispatch(Http2StreamFrame first) {
        IncomingStreamHandlerFactory f = factory;
        if (!(first instanceof Http2HeadersFrame headers) || f == null) {
            ReferenceCountUtil.release(first);
            reset(Http2Error.PROTOCOL_ERROR);
            return;
        }
        try {
            user = f.newHandler(stream(), headers.headers(), headers.isEndStream());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "stream handler factory failed on session " + sessionId, e);
        }
        if (user == null) {
            reset(Http2Error.INTERNAL_ERROR);
        } else {
            deliver();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        readIssued = false;
        maybeRead();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        TunnelStreamHandler u = user;
        if (u != null && !closedDelivered) {
            boolean writable = ctx.channel().isWritable();
            guarded("onWritabilityChanged", () -> u.onWritabilityChanged(writable));
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame reset) {
            // RST_STREAM is not flow-controlled, so the multiplexer signals it as an event.
            Http2Error error = Http2Error.valueOf(reset.errorCode());
            error = error == null ? Http2Error.INTERNAL_ERROR : error;
            observer.streamReset(error, false);
            markFailed(TunnelStreamException.reset(describe(), streamId(), error, true));
            maybeRead();
            return;
        }
        if (evt instanceof IdleStateEvent) {
            LOG.log(System.Logger.Level.DEBUG, "stream idle on session {0}: cancelling", sessionId);
            reset(Http2Error.CANCEL, " after its idle timeout");
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * The first HEADERS of a stream this end opened: if it cannot be written, the peer never saw
     * the stream. The multiplexer then closes the child channel; the failure is recorded first so
     * that the close reports it rather than a plain cancel.
     */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (factory != null || headersWritten || !(msg instanceof Http2HeadersFrame)) {
            ctx.write(msg, promise);
            return;
        }
        headersWritten = true;
        ChannelPromise first = ctx.newPromise();
        first.addListener(f -> {
            if (f.isSuccess()) {
                promise.trySuccess();
                return;
            }
            Throwable cause = f.cause();
            Http2Error error = cause instanceof Http2Exception h2 ? h2.error() : Http2Error.REFUSED_STREAM;
            TunnelStreamException notSent = new TunnelStreamException(streamId(), error, true, "the HEADERS of "
                    + describe() + " could not be sent, so the peer never saw the stream: " + cause, cause);
            markFailed(notSent);
            promise.tryFailure(notSent);
        });
        ctx.write(msg, first);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Stream errors reach us after the codec already reset the stream; the close follows.
        LOG.log(System.Logger.Level.DEBUG, "stream error on session " + sessionId, cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ctx.channel().parent().closeFuture().removeListener(closeWithParent);
        forgetLocal(ctx);
        inactive = true;
        if (!inboundEnded && resetError == null) {
            boolean neverSent = factory == null && streamId() <= 0;
            boolean sessionGone = !ctx.channel().parent().isActive();
            markFailed(new TunnelStreamException(streamId(), Http2Error.CANCEL, neverSent, describe() + " closed before "
                    + "it ended" + (sessionGone ? ": its session closed" : "") + (neverSent
                            ? " (before its HEADERS were sent: never processed)" : ""), null));
        }
        if (resetError != null || pending.isEmpty()) {
            fireClosed();
        }
        ctx.fireChannelInactive();
    }

    /** Event loop only. */
    void request(int n) {
        demand = Math.min(demand + n, 1L << 62);
        deliver();
    }

    /** Event loop only: sends RST_STREAM (when the stream has an id) and drops pending frames. */
    void reset(Http2Error error) {
        reset(error, "");
    }

    private void reset(Http2Error error, String why) {
        if (resetError != null || closedDelivered) {
            return;
        }
        markFailed(new TunnelStreamException(streamId(), error, false, describe() + " was reset by this end" + why
                + " (" + error + ")", null));
        ChannelHandlerContext c = ctx;
        if (c == null) {
            return;
        }
        Http2StreamChannel channel = (Http2StreamChannel) c.channel();
        if (inactive) {
            fireClosed();
        } else if (channel.stream().id() > 0) {
            observer.streamReset(error, true);
            c.writeAndFlush(new DefaultHttp2ResetFrame(error));
            maybeRead();
        } else {
            c.close();
        }
    }

    private void markFailed(TunnelStreamException error) {
        if (resetError == null && !closedDelivered) {
            resetError = error.error();
            failure = error;
            releasePending();
        }
    }

    /** Event loop only: how the stream failed, once it did. */
    @Nullable TunnelStreamException failure() {
        return failure;
    }

    private int streamId() {
        ChannelHandlerContext c = ctx;
        return c == null ? TunnelStreamException.NO_STREAM_ID : ((Http2StreamChannel) c.channel()).stream().id();
    }

    private String describe() {
        DefaultTunnelStream s = stream;
        return s == null ? "a stream of session " + sessionId : s.toString();
    }

    private void deliver() {
        if (delivering) {
            return;
        }
        delivering = true;
        try {
            while (demand > 0 && resetError == null && !closedDelivered) {
                Http2StreamFrame frame = pending.poll();
                if (frame == null) {
                    break;
                }
                demand--;
                invoke(frame);
            }
        } finally {
            delivering = false;
        }
        if (inactive && (pending.isEmpty() || resetError != null)) {
            fireClosed();
        } else {
            maybeRead();
        }
    }

    private void invoke(Http2StreamFrame frame) {
        TunnelStreamHandler u = user;
        if (u == null) {
            ReferenceCountUtil.release(frame);
            return;
        }
        if (frame instanceof Http2HeadersFrame headers) {
            guarded("onHeaders", () -> u.onHeaders(headers.headers(), headers.isEndStream()));
        } else {
            Http2DataFrame data = (Http2DataFrame) frame;
            guarded("onData", () -> u.onData(data.content(), data.isEndStream()));
        }
    }

    /** Reads on demand; after a reset, reads the multiplexer's queue empty so the channel can close. */
    private void maybeRead() {
        ChannelHandlerContext c = ctx;
        boolean wanted = resetError != null || (demand > 0 && pending.isEmpty());
        if (c != null && !inactive && !readIssued && wanted) {
            readIssued = true;
            c.read();
        }
    }

    private void fireClosed() {
        if (closedDelivered) {
            return;
        }
        closedDelivered = true;
        releasePending();
        TunnelStreamHandler u = user;
        if (u == null) {
            return;
        }
        TunnelStreamException error = failure;
        if (error != null) {
            quietly("onStreamError", () -> u.onStreamError(error));
        }
        quietly("onClosed", u::onClosed);
    }

    private void quietly(String callback, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, callback + " failed on session " + sessionId, e);
        }
    }

    /** Runs a user callback; one that throws gets its stream reset with INTERNAL_ERROR. */
    private void guarded(String callback, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, callback + " failed on session " + sessionId + ": resetting stream", e);
            reset(Http2Error.INTERNAL_ERROR);
        }
    }

    private void releasePending() {
        Http2StreamFrame frame;
        while ((frame = pending.poll()) != null) {
            ReferenceCountUtil.release(frame);
        }
    }

    private static boolean isEndStream(Http2StreamFrame frame) {
        return frame instanceof Http2HeadersFrame h ? h.isEndStream() : ((Http2DataFrame) frame).isEndStream();
    }
}
