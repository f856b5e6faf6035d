package io.codehub.tunnel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * Agent side of liveness: closes the connection when no byte arrived from the hub for
 * {@value TunnelProtocol#AGENT_IDLE_INTERVALS} keepalive intervals. Placed before the HTTP/2
 * codec, so any frame counts, not only PINGs. Timing uses the event loop's ticker (through
 * {@link IdleStateHandler}), so tests drive it with a fake clock. A path that died is usually
 * given up sooner, by the kernel's probes ({@link TunnelTransport#probeDeadPaths}); this deadline
 * covers what they cannot see (a hub that is up but sends nothing, a path beyond a proxy).
 */
final class AgentIdleHandler extends IdleStateHandler {

    private static final System.Logger LOG = System.getLogger(AgentIdleHandler.class.getName());

    private final Duration timeout;

    AgentIdleHandler(Duration keepaliveInterval) {
        super(keepaliveInterval.multipliedBy(TunnelProtocol.AGENT_IDLE_INTERVALS).toNanos(), 0, 0,
                TimeUnit.NANOSECONDS);
        this.timeout = keepaliveInterval.multipliedBy(TunnelProtocol.AGENT_IDLE_INTERVALS);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        LOG.log(System.Logger.Level.INFO, "nothing heard from hub {0} for {1}: closing tunnel",
                ctx.channel().remoteAddress(), timeout);
        ctx.fireUserEventTriggered(IdleTimeout.INSTANCE);
        ctx.close();
    }

    /** Fired down the pipeline just before an idle close, so the connector can record why. */
    enum IdleTimeout {
        INSTANCE
    }
}
