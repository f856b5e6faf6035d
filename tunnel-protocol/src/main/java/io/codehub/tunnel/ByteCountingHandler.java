package io.codehub.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * First handler of an observed tunnel connection: adds up the bytes of each read batch and of each
 * flush in plain fields (event loop only) and reports them to the {@link TunnelObserver} once per
 * {@code channelReadComplete} and once per {@code flush}, so the data path pays a field addition
 * per buffer and one counter increment per batch. Installed only when an observer is set.
 */
final class ByteCountingHandler extends ChannelDuplexHandler {

    static final String NAME = "bytes";

    private final TunnelObserver observer;
    private long read;
    private long written;

    ByteCountingHandler(TunnelObserver observer) {
        this.observer = observer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        read += size(msg);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reportRead();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        written += size(msg);
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        reportWritten();
        ctx.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        reportRead();
        reportWritten();
        ctx.fireChannelInactive();
    }

    private void reportRead() {
        if (read > 0) {
            observer.bytesReceived(read);
            read = 0;
        }
    }

    private void reportWritten() {
        if (written > 0) {
            observer.bytesSent(written);
            written = 0;
        }
    }

    private static long size(Object msg) {
        if (msg instanceof ByteBuf buf) {
            return buf.readableBytes();
        }
        return msg instanceof ByteBufHolder holder ? holder.content().readableBytes() : 0;
    }
}
