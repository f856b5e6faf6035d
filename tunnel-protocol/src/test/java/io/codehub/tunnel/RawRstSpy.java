package io.codehub.tunnel;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Sits in front of an agent's HTTP/2 codec and notes every RST_STREAM frame the hub sends, by
 * stream id, before the codec sees it (the attacker's own codec may close the connection over a
 * reset for a stream it never opened, and the test still wants to know the hub's answer).
 */
final class RawRstSpy extends ChannelInboundHandlerAdapter {

    private static final int RST_STREAM = 0x3;

    private final Map<Integer, CompletableFuture<Long>> resets = new ConcurrentHashMap<>();
    private final byte[] header = new byte[13];
    private int have;
    private long skip;

    /** The error code of the first RST_STREAM the hub sends on {@code streamId}. */
    CompletableFuture<Long> reset(int streamId) {
        return resets.computeIfAbsent(streamId, k -> new CompletableFuture<>());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            scan(buf);
        }
        ctx.fireChannelRead(msg);
    }

    private void scan(ByteBuf buf) {
        for (int i = buf.readerIndex(); i < buf.writerIndex(); ) {
            if (skip > 0) {
                int n = (int) Math.min(skip, buf.writerIndex() - i);
                i += n;
                skip -= n;
                continue;
            }
            header[have++] = buf.getByte(i++);
            boolean rst = have >= 4 && header[3] == RST_STREAM;
            if (have == 9 && !rst || have == 13) {
                int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
                if (rst) {
                    int streamId = (header[5] & 0x7f) << 24 | (header[6] & 0xff) << 16 | (header[7] & 0xff) << 8
                            | header[8] & 0xff;
                    long code = ((long) (header[9] & 0xff) << 24) | (header[10] & 0xff) << 16
                            | (header[11] & 0xff) << 8 | header[12] & 0xff;
                    reset(streamId).complete(code);
                    skip = length - 4L;
                } else {
                    skip = length;
                }
                have = 0;
            }
        }
    }
}
