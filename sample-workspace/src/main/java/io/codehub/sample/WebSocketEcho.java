package io.codehub.sample;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * {@code /ws} once upgraded: sends back every data frame as it came (text, binary and continuation
 * frames alike, with their FIN flags, so a fragmented message is echoed fragment by fragment and a
 * message of any size needs no more memory than one frame). Ping, pong and close frames are
 * {@code WebSocketServerProtocolHandler}'s.
 *
 * <p>Flow control: echoes are flushed once per read batch; while the channel is not writable
 * (the peer does not read its echoes) the channel stops reading, and resumes when it drains.
 */
final class WebSocketEcho extends ChannelInboundHandlerAdapter {

    private final RequestLog log;

    WebSocketEcho(RequestLog log) {
        this.log = log;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        // The frame's buffer goes to the encoder, which releases it once written.
        ctx.write(msg, ctx.voidPromise());
        if (!ctx.channel().isWritable()) {
            ctx.flush();
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.log("websocket " + ctx.channel().remoteAddress() + " failed: " + cause);
        ctx.close();
    }
}
