package io.codehub.tunnel;

import java.nio.charset.StandardCharsets;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;

/**
 * Tail of an agent session's parent pipeline: reports the hub's GOAWAY (whose debug data says
 * why: draining, replaced, closed), records why the connection dies, and releases every
 * connection-level frame nobody else wanted.
 */
final class AgentSessionHandler extends ChannelInboundHandlerAdapter {

    /** What the connector learns from a session's pipeline; called on its event loop. */
    interface Events {
        void goAway(HubSessionInfo session, String reason);

        void closed(HubSessionInfo session, @Nullable Throwable cause);
    }

    private static final int MAX_REASON = 64;

    private final HubSessionInfo session;
    private final Events events;
    private @Nullable Throwable cause;

    AgentSessionHandler(HubSessionInfo session, Events events) {
        this.session = session;
        this.events = events;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2GoAwayFrame goAway) {
                int length = Math.min(goAway.content().readableBytes(), MAX_REASON);
                String reason = goAway.content().toString(goAway.content().readerIndex(), length,
                        StandardCharsets.US_ASCII);
                events.goAway(session, reason);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == AgentIdleHandler.IdleTimeout.INSTANCE && cause == null) {
            cause = new TunnelConnectionException(TunnelConnectionException.Reason.LOST, "session "
                    + session.sessionId() + ": nothing heard from hub " + session.hubId() + " for "
                    + session.keepaliveInterval().multipliedBy(TunnelProtocol.AGENT_IDLE_INTERVALS), null);
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
        if (cause == null) {
            cause = t;
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        events.closed(session, cause);
        ctx.fireChannelInactive();
    }
}
