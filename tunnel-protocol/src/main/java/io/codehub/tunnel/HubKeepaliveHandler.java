package io.codehub.tunnel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * Hub side of liveness: a PING every {@code interval} (skipped while the previous one awaits its
 * ACK); a connection whose ACK is not back within {@code ackTimeout} is closed (a half-open TCP
 * connection dies in seconds, not at the kernel's retransmission limit), or within twice that when
 * the agent's kernel acknowledged the PING (on epoll, from {@code TCP_INFO}: the path is alive and
 * only a process is slow). Each ACK yields a round-trip time, measured with the event loop's
 * ticker, so tests drive it with a fake clock ({@code EmbeddedChannel.advanceTimeBy}).
 *
 * <p>Sits after the multiplexer, which passes connection-level frames on; ACKs are consumed here,
 * PINGs from the agent are already answered by the codec and dropped.
 */
final class HubKeepaliveHandler extends ChannelDuplexHandler {

    private static final System.Logger LOG = System.getLogger(HubKeepaliveHandler.class.getName());

    private final Keepalive keepalive;
    private final Consumer<Duration> rttSink;
    private @Nullable ScheduledFuture<?> nextPing;
    private @Nullable ScheduledFuture<?> ackDeadline;
    private long outstanding = -1;
    private long sentAtNanos;
    private long counter;

    HubKeepaliveHandler(Keepalive keepalive, Consumer<Duration> rttSink) {
        this.keepalive = keepalive;
        this.rttSink = rttSink;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            schedulePing(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (nextPing == null) {
            schedulePing(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Http2PingFrame ping)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (ping.ack() && ping.content() == outstanding) {
            long rtt = ctx.executor().ticker().nanoTime() - sentAtNanos;
            outstanding = -1;
            cancel(ackDeadline);
            ackDeadline = null;
            rttSink.accept(Duration.ofNanos(Math.max(rtt, 0)));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void schedulePing(ChannelHandlerContext ctx) {
        nextPing = ctx.executor().schedule(() -> ping(ctx), keepalive.interval().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void ping(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (outstanding != -1) {
            schedulePing(ctx); // the previous PING's deadline is still running
            return;
        }
        outstanding = ++counter;
        sentAtNanos = ctx.executor().ticker().nanoTime();
        ctx.writeAndFlush(new DefaultHttp2PingFrame(outstanding, false));
        long expected = outstanding;
        ackDeadline = ctx.executor().schedule(() -> ackOverdue(ctx, expected, keepalive.ackTimeout()),
                keepalive.ackTimeout().toNanos(), TimeUnit.NANOSECONDS);
        schedulePing(ctx);
    }

    /**
     * The PING {@code expected} has waited {@code waited} for its ACK. Closes the tunnel, unless
     * this is the first deadline and the agent's kernel has acknowledged every byte sent (the
     * path is alive; the agent's process, or this hub's, is slow: a reconnect storm), in which case
     * it waits one more ACK timeout first. A dead path leaves the PING unacknowledged and is closed
     * at the first deadline as before.
     */
    private void ackOverdue(ChannelHandlerContext ctx, long expected, Duration waited) {
        if (outstanding != expected || !ctx.channel().isActive()) {
            return;
        }
        if (waited.equals(keepalive.ackTimeout()) && TunnelTransport.peerAcknowledgedAll(ctx.channel())) {
            LOG.log(System.Logger.Level.INFO, "no PING ACK from {0} within {1}, but its TCP acknowledged every byte: "
                    + "the path is alive, the agent or this hub is slow; waiting another {1}",
                    ctx.channel().remoteAddress(), keepalive.ackTimeout());
            Duration longer = waited.plus(keepalive.ackTimeout());
            ackDeadline = ctx.executor().schedule(() -> ackOverdue(ctx, expected, longer),
                    keepalive.ackTimeout().toNanos(), TimeUnit.NANOSECONDS);
            return;
        }
        LOG.log(System.Logger.Level.INFO, "no PING ACK from {0} within {1}: closing tunnel",
                ctx.channel().remoteAddress(), waited);
        ctx.fireUserEventTriggered(new KeepaliveTimeout(waited));
        ctx.close();
    }

    private void stop() {
        cancel(nextPing);
        cancel(ackDeadline);
        nextPing = null;
        ackDeadline = null;
    }

    private static void cancel(@Nullable ScheduledFuture<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }

    /**
     * Fired down the pipeline just before a keepalive close, so the session can record why.
     *
     * @param waited how long the last PING went unanswered
     */
    record KeepaliveTimeout(Duration waited) {
    }
}
