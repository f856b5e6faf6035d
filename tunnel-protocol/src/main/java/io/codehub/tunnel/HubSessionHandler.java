package io.codehub.tunnel;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Tail of a hub session's parent pipeline: notes a GOAWAY from the agent, records why the
 * connection dies, releases every connection-level frame nobody else wanted, and on close removes
 * the session from the registry and tells the {@link TunnelListener}.
 */
final class HubSessionHandler extends ChannelInboundHandlerAdapter {

    private static final System.Logger LOG = System.getLogger(HubSessionHandler.class.getName());

    private final DefaultTunnelSession session;
    private final ServerContext server;

    HubSessionHandler(DefaultTunnelSession session, ServerContext server) {
        this.session = session;
        this.server = server;
    }

    /**
     * Records a GOAWAY with an error that the hub's codec sends as the session's close cause. The
     * codec tells the pipeline about connection errors it found in what it read, but not about those
     * it raised while writing (the reset-rate limit on its own RST_STREAM frames, the queued-control
     * frame limit): without this such a session would look closed by the agent.
     */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
        if (codec != null) {
            codec.connection().addListener(new Http2ConnectionAdapter() {
                @Override
                public void onGoAwaySent(int lastStreamId, long errorCode, ByteBuf debugData) {
                    if (errorCode != Http2Error.NO_ERROR.code()) {
                        Http2Error error = Http2Error.valueOf(errorCode);
                        session.recordCloseCause(Http2Exception.connectionError(
                                error == null ? Http2Error.INTERNAL_ERROR : error, "hub sent GOAWAY %s: %s",
                                error == null ? errorCode : error,
                                debugData.toString(debugData.readerIndex(),
                                        Math.min(debugData.readableBytes(), 256), StandardCharsets.UTF_8)));
                    }
                }
            });
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2GoAwayFrame goAway) {
            session.peerGoingAway(isMoved(goAway) ? CloseReason.MOVED : CloseReason.CLOSED_BY_AGENT);
            StreamChannelHandler.goAwayReceived(ctx.channel(), goAway.lastStreamId(), goAway.errorCode());
        }
        ReferenceCountUtil.release(msg);
    }

    /** Whether the agent's GOAWAY says it moved to a new session ({@value TunnelProtocol#GOAWAY_MOVED}). */
    private static boolean isMoved(Http2GoAwayFrame goAway) {
        ByteBuf debug = goAway.content();
        return debug.readableBytes() == TunnelProtocol.GOAWAY_MOVED.length()
                && TunnelProtocol.GOAWAY_MOVED.equals(debug.toString(debug.readerIndex(), debug.readableBytes(),
                        StandardCharsets.US_ASCII));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof HubKeepaliveHandler.KeepaliveTimeout timeout) {
            session.recordCloseReason(CloseReason.HALF_OPEN);
            session.recordCloseCause(new TunnelConnectionException(TunnelConnectionException.Reason.LOST, "session "
                    + session.sessionId() + " of agent " + session.agentId() + ": no PING ACK within "
                    + timeout.waited(), null));
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, "session " + session.sessionId() + " failed: closing", cause);
        session.recordCloseCause(cause);
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
            ctx.close();
        }
        // An HTTP/2 connection error (a limit the agent broke, a protocol error) is the codec's to
        // end: it fires the error here first and then sends GOAWAY with the error's code and closes.
        // Closing here would send GOAWAY NO_ERROR first and hide the code from the agent.
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        server.registry.remove(session);
        try {
            server.listener.sessionClosed(session, session.closeReason(), session.closeCause());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "TunnelListener.sessionClosed failed", e);
        }
        ctx.fireChannelInactive();
    }
}
