package io.codehub.tunnel;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * Hub side of a CONNECT stream handed out as a byte channel ({@link TunnelSession#openConnect}):
 * first handler of the stream's child channel. It sends the CONNECT request when the channel is
 * active, completes {@code opened} on the agent's {@code 200} (and fails it on any other answer),
 * and from then on turns DATA frames into {@link ByteBuf}s both ways.
 *
 * <h2>Flow control</h2>
 * The child channel has {@code AUTO_READ} off; the multiplexer returns a DATA frame's bytes to the
 * stream window when the frame is read into this pipeline, so the handler after this one paces the
 * agent with its {@code read()} calls. Outbound writability is the stream's.
 *
 * <h2>End</h2>
 * The agent's END_STREAM (its upstream closed its side) arrives as a
 * {@link ChannelInputShutdownEvent}; a RST_STREAM closes the channel. Closing the channel resets
 * the stream with CANCEL, which makes the agent close the upstream socket.
 */
final class ConnectStreamCodec extends ChannelDuplexHandler {

    private final String authority;
    private final String sessionId;
    private final CompletableFuture<Channel> opened;
    private final TunnelObserver observer;

    ConnectStreamCodec(String authority, String sessionId, CompletableFuture<Channel> opened,
            TunnelObserver observer) {
        this.authority = authority;
        this.sessionId = sessionId;
        this.opened = opened;
        this.observer = observer;
    }

    /** Sends the CONNECT request and asks for the answer; called once the child channel is registered. */
    void start(Channel channel) {
        ChannelHandlerContext ctx = channel.pipeline().context(this);
        ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("CONNECT").authority(authority),
                false)).addListener(f -> {
                    if (!f.isSuccess()) {
                        // The HEADERS never left: the agent's stream limit, or a GOAWAY or close got there first.
                        fail(ctx, new TunnelStreamException(streamId(ctx), Http2Error.REFUSED_STREAM, true,
                                "CONNECT " + authority + " on session " + sessionId + ": " + f.cause(), f.cause()));
                    }
                });
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2DataFrame data) {
            boolean end = data.isEndStream();
            if (!opened.isDone() || data.content().readableBytes() == 0) {
                data.release();
            } else {
                ctx.fireChannelRead(data.content());
            }
            if (end) {
                ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
        } else if (msg instanceof Http2HeadersFrame headers) {
            if (!opened.isDone()) {
                CharSequence status = headers.headers().status();
                if (status != null && "200".contentEquals(status) && !headers.isEndStream()) {
                    opened.complete(ctx.channel());
                } else if (status != null && status.length() == 3 && status.charAt(0) == '1') {
                    ctx.read();
                } else {
                    fail(ctx, new ConnectRefusedException(authority, sessionId, status == null ? 0
                            : parseStatus(status)));
                }
            } else if (headers.isEndStream()) {
                ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
            ReferenceCountUtil.release(msg);
        } else if (msg instanceof Http2ResetFrame reset) {
            Http2Error error = Http2Error.valueOf(reset.errorCode());
            observer.streamReset(error == null ? Http2Error.INTERNAL_ERROR : error, false);
            fail(ctx, new TunnelStreamException(streamId(ctx), Http2Error.valueOf(reset.errorCode()), false,
                    "CONNECT " + authority + " on session " + sessionId + " reset by the agent", null));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * The multiplexer hands a RST_STREAM on as an event: before the agent's answer, it fails
     * {@code opened} with the reset's code (unprocessed when the agent refused the stream).
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame reset && !opened.isDone()) {
            Http2Error error = Http2Error.valueOf(reset.errorCode());
            opened.completeExceptionally(TunnelStreamException.reset("CONNECT " + authority + " on session "
                    + sessionId, streamId(ctx), error == null ? Http2Error.INTERNAL_ERROR : error, true));
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            ctx.write(new DefaultHttp2DataFrame(buf, false), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    /** Ends the hub's side of the stream (an empty DATA frame with END_STREAM): half-close. */
    static void shutdownOutput(Channel channel) {
        channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!opened.isDone()) {
            opened.completeExceptionally(new TunnelStreamException(streamId(ctx), Http2Error.STREAM_CLOSED, false,
                    "CONNECT " + authority + " on session " + sessionId + ": stream closed before the agent answered",
                    null));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!opened.isDone()) {
            fail(ctx, new TunnelStreamException(streamId(ctx), Http2Error.INTERNAL_ERROR, false,
                    "CONNECT " + authority + " on session " + sessionId + " failed: " + cause, cause));
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    private void fail(ChannelHandlerContext ctx, Exception error) {
        if (opened.completeExceptionally(error)) {
            ctx.close();
        } else {
            ctx.fireExceptionCaught(error);
            ctx.close();
        }
    }

    /**
     * {@code host:port}, or {@code [v6]:port}, checked as {@link ConnectRelay} will parse it.
     *
     * @throws IllegalArgumentException when the host or the port could not be a CONNECT target
     */
    static String authority(String host, int port) {
        Objects.requireNonNull(host, "host");
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        String authority = h.indexOf(':') >= 0 ? "[" + h + "]:" + port : h + ":" + port;
        if (port < 1 || port > 65_535 || ConnectRelay.host(authority) == null) {
            throw new IllegalArgumentException("CONNECT target '" + host + "', port " + port
                    + " (expected: a host name or IP literal, and a port in 1..65535)");
        }
        return authority;
    }

    private static int streamId(ChannelHandlerContext ctx) {
        return ctx.channel() instanceof Http2StreamChannel stream && stream.stream() != null ? stream.stream().id()
                : TunnelStreamException.NO_STREAM_ID;
    }

    private static int parseStatus(CharSequence status) {
        try {
            return Integer.parseInt(status.toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
