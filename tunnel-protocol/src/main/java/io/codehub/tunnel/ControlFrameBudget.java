package io.codehub.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Ticker;

/**
 * The hub's flood budget for one agent connection ({@link TunnelLimits#maxControlFramesPerWindow()}
 * per {@link TunnelLimits#controlFrameWindow()}), in front of the HTTP/2 codec.
 *
 * <p>Netty bounds what a peer makes it queue (PING and SETTINGS ACKs a peer does not read, at most
 * {@link Http2Pipelines#MAX_QUEUED_CONTROL_FRAMES}), RST_STREAM on open streams, empty DATA in a row
 * and small CONTINUATION frames, but not the rate of frames a peer that reads everything may send:
 * a PING, SETTINGS or WINDOW_UPDATE flood costs the hub's event loop, shared with other agents, as
 * much as the attacker cares to spend. This handler reads only the 9-byte frame headers of the
 * inbound bytes (the payloads are skipped, nothing is copied or held) and counts every frame that
 * carries no request or response: PING, SETTINGS, PRIORITY, RST_STREAM, GOAWAY, unknown types and
 * empty DATA without END_STREAM; a WINDOW_UPDATE counts too unless the hub wrote
 * {@value #BYTES_PER_FREE_WINDOW_UPDATE} bytes on the connection for it (an agent returns window
 * only for data it was sent). Frames on closed or unknown streams count as well: the codec ignores
 * them before any listener would see them.
 *
 * <p>Over budget, the codec gets a connection error {@code ENHANCE_YOUR_CALM} (GOAWAY and close) and
 * every byte after it is dropped. Event loop only, like the codec.
 */
final class ControlFrameBudget extends ChannelDuplexHandler {

    static final String NAME = "h2-budget";

    /** Hub bytes written that pay for one WINDOW_UPDATE from the agent. */
    static final int BYTES_PER_FREE_WINDOW_UPDATE = 4096;

    private static final int FRAME_HEADER_LENGTH = 9;
    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int PUSH_PROMISE = 0x5;
    private static final int WINDOW_UPDATE = 0x8;
    private static final int CONTINUATION = 0x9;
    private static final int END_STREAM = 0x1;

    private final int maxFrames;
    private final long windowNanos;
    private final Ticker ticker;

    private int headerRead;
    private int length;
    private int type;
    private long payloadLeft;
    private long windowStart;
    private int counted;
    private long written;
    private long freeUpdatesUsed;
    private boolean exceeded;

    ControlFrameBudget(TunnelLimits limits, Ticker ticker) {
        this.maxFrames = limits.maxControlFramesPerWindow();
        this.windowNanos = limits.controlFrameWindow().toNanos();
        this.ticker = ticker;
        this.windowStart = ticker.nanoTime();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (exceeded) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf buf && !scan(buf)) {
            exceeded = true;
            buf.release();
            ctx.fireExceptionCaught(Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM,
                    "more than %d control frames in %d ms (PING, SETTINGS, WINDOW_UPDATE, RST_STREAM, ...)",
                    maxFrames, windowNanos / 1_000_000));
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            written += buf.readableBytes();
        }
        ctx.write(msg, promise);
    }

    /** Walks the frame headers in {@code buf}; false once the budget is spent. */
    private boolean scan(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end) {
            if (payloadLeft > 0) {
                int skip = (int) Math.min(payloadLeft, end - i);
                i += skip;
                payloadLeft -= skip;
                continue;
            }
            int b = buf.getUnsignedByte(i++);
            switch (headerRead++) {
                case 0, 1, 2 -> length = (length << 8) | b;
                case 3 -> type = b;
                case 4 -> {
                    if (!allowed(type, length, b)) {
                        return false;
                    }
                }
                default -> {
                    // stream id: not needed
                }
            }
            if (headerRead == FRAME_HEADER_LENGTH) {
                headerRead = 0;
                payloadLeft = length;
                length = 0;
            }
        }
        return true;
    }

    private boolean allowed(int frameType, int frameLength, int flags) {
        switch (frameType) {
            case HEADERS, CONTINUATION, PUSH_PROMISE -> {
                return true;
            }
            case DATA -> {
                if (frameLength > 0 || (flags & END_STREAM) != 0) {
                    return true;
                }
            }
            case WINDOW_UPDATE -> {
                if (freeUpdatesUsed < written / BYTES_PER_FREE_WINDOW_UPDATE) {
                    freeUpdatesUsed++;
                    return true;
                }
            }
            default -> {
                // PING, SETTINGS, PRIORITY, RST_STREAM, GOAWAY, unknown: counted below
            }
        }
        long now = ticker.nanoTime();
        if (now - windowStart >= windowNanos) {
            windowStart = now;
            counted = 0;
        }
        return ++counted <= maxFrames;
    }
}
