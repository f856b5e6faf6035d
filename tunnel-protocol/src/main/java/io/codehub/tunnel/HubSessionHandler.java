package io.codehub.tunnel;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2GoAwayFrame goAway) {
            session.peerGoingAway();
            StreamChannelHandler.goAwayReceived(ctx.channel(), goAway.lastStreamId(), goAway.errorCode());
        }
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == HubKeepaliveHandler.KeepaliveTimeout.INSTANCE) {
            session.recordCloseReason(CloseReason.HALF_OPEN);
            session.recordCloseCause(new TunnelConnectionException(TunnelConnectionException.Reason.LOST, "session "
                    + session.sessionId() + " of agent " + session.agentId() + ": no PING ACK within "
                    + server.keepalive.ackTimeout(), null));
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, "session " + session.sessionId() + " failed: closing", cause);
        session.recordCloseCause(cause);
        ctx.close();
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
