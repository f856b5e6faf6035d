package io.codehub.hub.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Hands the HTTP decoder of a tunnel upstream one contiguous buffer per read. A DATA frame's
 * payload is a slice of the tunnel's read buffers and spans two of them whenever the frame
 * straddled two socket reads; Netty's decoders copy any buffer that is not contiguous through a
 * temporary heap buffer into their cumulation, twice per byte. Copying such a payload once into a
 * pooled buffer here makes the decoder use it as it is; a payload that is already contiguous
 * (most, and every direct upstream's read) passes untouched. Removed with the HTTP codec when the
 * connection switches protocols: raw bytes are written on as they come, in any shape.
 */
@ChannelHandler.Sharable
final class ContiguousBuffers extends ChannelInboundHandlerAdapter {

    static final ContiguousBuffers INSTANCE = new ContiguousBuffers();

    private ContiguousBuffers() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf && !buf.isContiguous() && buf.isReadable()) {
            ByteBuf copy = ctx.alloc().directBuffer(buf.readableBytes());
            try {
                copy.writeBytes(buf);
            } catch (RuntimeException e) {
                copy.release();
                throw e;
            } finally {
                buf.release();
            }
            ctx.fireChannelRead(copy);
        } else {
            ctx.fireChannelRead(msg);
        }
    }
}
