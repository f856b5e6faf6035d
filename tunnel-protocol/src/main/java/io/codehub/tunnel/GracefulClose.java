package io.codehub.tunnel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.codehub.base.Checks;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * The one graceful close of a tunnel connection, for the hub's drain, a replaced session, an
 * administrative close (zero grace) and the agent's shutdown. It is the HTTP/2 codec's own: a
 * GOAWAY {@code NO_ERROR} whose debug data says why ({@value TunnelProtocol#GOAWAY_DRAINING},
 * {@value TunnelProtocol#GOAWAY_REPLACED}, {@value TunnelProtocol#GOAWAY_CLOSED}, ...), then the
 * codec's graceful-shutdown timeout set to what is left of the grace, then {@code close()}: the
 * codec closes the connection as soon as no stream is open, or when the timeout runs out.
 *
 * <h2>Roles</h2>
 * The hub is the HTTP/2 client of the tunnel. The last-stream-id of its GOAWAY is about streams
 * the agent could open, and the agent opens none; on the tunnel the hub's GOAWAY means what
 * {@code docs/tunnel-protocol.md} says: the hub opens no new stream on this connection (its
 * {@link DefaultTunnelSession} refuses them), and {@code draining} asks the agent to reconnect at
 * once. One GOAWAY is enough.
 *
 * <p>The agent is the HTTP/2 server. Its GOAWAY refuses the hub's streams above the
 * last-stream-id, and the hub may have sent a HEADERS frame just before it read the GOAWAY. So the
 * agent closes in two steps (RFC 9113 §6.8): a first GOAWAY with last-stream-id 2^31-1 and a PING;
 * the PING's ACK proves that the hub has read that GOAWAY (it opens no more streams) and that
 * every stream it opened before has arrived; then the final GOAWAY names the last of them and the
 * close starts. Should no ACK come, the final GOAWAY goes at the deadline and the connection
 * closes at once.
 *
 * <h2>Threading</h2>
 * {@link #start} may be called from any thread; everything else runs on the channel's event loop.
 */
final class GracefulClose extends ChannelInboundHandlerAdapter {

    static final String NAME = "graceful-close";
    /** Payload of the agent's PING between its two GOAWAYs ("codehub" in ASCII). */
    static final long PROBE_PING = 0x636F6465687562L;

    private final Http2FrameCodec codec;
    private final String reason;
    private long deadlineNanos;
    private @Nullable ChannelHandlerContext ctx;
    private @Nullable ScheduledFuture<?> timer;
    private boolean finished;

    private GracefulClose(Http2FrameCodec codec, String reason, long deadlineNanos) {
        this.codec = codec;
        this.reason = reason;
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * Closes {@code channel} gracefully: GOAWAY {@code reason}, no new streams, the connection closed
     * when its last open stream ends or {@code grace} after this call at the latest. A second call
     * can only bring the deadline forward (its reason is not sent again). A channel that has no
     * HTTP/2 codec yet (still in the handshake) is closed at once.
     */
    static void start(Channel channel, String reason, Duration grace) {
        Checks.notNegative("grace", grace);
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            begin(channel, reason, grace);
        } else {
            loop.execute(() -> begin(channel, reason, grace));
        }
    }

    private static void begin(Channel channel, String reason, Duration grace) {
        if (!channel.isOpen()) {
            return;
        }
        Http2FrameCodec codec = channel.pipeline().get(Http2FrameCodec.class);
        if (codec == null) {
            channel.close();
            return;
        }
        long deadline = channel.eventLoop().ticker().nanoTime() + grace.toNanos();
        GracefulClose running = channel.pipeline().get(GracefulClose.class);
        if (running != null) {
            running.bringForward(deadline);
        } else if (codec.connection().isServer() && !codec.connection().goAwaySent()) {
            channel.pipeline().addAfter(Http2Pipelines.MULTIPLEX, NAME, new GracefulClose(codec, reason, deadline));
        } else {
            if (!codec.connection().goAwaySent()) {
                channel.write(goAway(channel, reason, 0));
            }
            closeBy(channel, codec, deadline);
        }
    }

    /** First step of the server role: GOAWAY 2^31-1, PING, and the deadline. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.write(goAway(ctx.channel(), reason, Integer.MAX_VALUE));
        ctx.writeAndFlush(new DefaultHttp2PingFrame(PROBE_PING, false));
        schedule(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2PingFrame ping && ping.ack() && ping.content() == PROBE_PING) {
            finish();
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimer();
    }

    private void bringForward(long deadline) {
        ChannelHandlerContext c = ctx;
        if (deadline - deadlineNanos < 0 && c != null && !finished) {
            deadlineNanos = deadline;
            cancelTimer();
            schedule(c);
        }
    }

    private void schedule(ChannelHandlerContext c) {
        long delay = Math.max(0, deadlineNanos - c.executor().ticker().nanoTime());
        timer = c.executor().schedule(this::finish, delay, TimeUnit.NANOSECONDS);
    }

    /** Second step of the server role: the final GOAWAY (the hub's last stream), then the codec's close. */
    private void finish() {
        ChannelHandlerContext c = ctx;
        if (finished || c == null) {
            return;
        }
        finished = true;
        cancelTimer();
        Channel channel = c.channel();
        c.pipeline().remove(this);
        channel.write(goAway(channel, reason, 0));
        closeBy(channel, codec, deadlineNanos);
    }

    private void cancelTimer() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
            timer = null;
        }
    }

    /**
     * A GOAWAY whose last-stream-id is the peer's last stream plus {@code extraStreamIds} more
     * (the codec fills it in, capped at 2^31-1).
     */
    private static Http2GoAwayFrame goAway(Channel channel, String reason, int extraStreamIds) {
        return new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR, ByteBufUtil.writeAscii(channel.alloc(), reason))
                .setExtraStreamIds(extraStreamIds);
    }

    /**
     * The codec's graceful close with the time left until {@code deadline}. The codec reads its
     * timeout when {@code close()} is called; setting it back to 0 afterwards keeps every other
     * close (a connection error, a missed keepalive) immediate.
     */
    private static void closeBy(Channel channel, Http2FrameCodec codec, long deadline) {
        long left = Math.max(0, deadline - channel.eventLoop().ticker().nanoTime());
        codec.gracefulShutdownTimeoutMillis(TimeUnit.NANOSECONDS.toMillis(left + 999_999));
        // What Channel.close() does; called on the pipeline, an EmbeddedChannel keeps the codec's timer.
        channel.pipeline().close();
        codec.gracefulShutdownTimeoutMillis(0);
    }
}
