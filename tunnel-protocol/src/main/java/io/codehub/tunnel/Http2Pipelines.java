package io.codehub.tunnel;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Ticker;

/**
 * The HTTP/2 half of both pipelines, built from {@link TunnelLimits} in one place so hub and agent
 * cannot drift: the hub is the client (it advertises MAX_CONCURRENT_STREAMS 0 and ENABLE_PUSH 0, so
 * the agent can open nothing), the agent is the server (its SETTINGS bind the hub's streams).
 * Both enforce the reset-rate limits each way, the empty-DATA limit, the small-CONTINUATION limit
 * and the queued-control-frame limit; the hub also puts a {@link ControlFrameBudget} in front of its
 * codec (a hostile agent's PING, SETTINGS or WINDOW_UPDATE flood).
 */
final class Http2Pipelines {

    static final String CODEC = "h2-codec";
    static final String MULTIPLEX = "h2-multiplex";
    static final String FLUSH = "h2-flush";

    /**
     * PING and SETTINGS ACKs (and other control frames) the codec may have written but not yet got
     * onto the socket, because the peer does not read: beyond it, GOAWAY {@code ENHANCE_YOUR_CALM}.
     * Netty's default, named here so the value in use is visible (CVE-2019-9512, -9515).
     */
    static final int MAX_QUEUED_CONTROL_FRAMES = 10_000;

    /**
     * CONTINUATION frames smaller than a useful header block fragment a peer may send for one header
     * block before a connection error (Netty's default, the CONTINUATION-flood protection).
     */
    static final int MAX_SMALL_CONTINUATION_FRAMES = 16;

    /**
     * Write-buffer water marks of the tunnel connection. HTTP/2's remote flow controller writes a
     * connection only up to its high water mark per pass and then waits for writability, so
     * Netty's 32/64 KiB default caps a bulk stream at one small batch per event-loop wake-up.
     * The marks bound only bytes already queued for the socket; an idle tunnel holds nothing.
     */
    static final WriteBufferWaterMark CONNECTION_WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    /**
     * Write-buffer water marks of every stream. A writer that follows {@link TunnelStream#isWritable()}
     * (the agent's relay and response writer, the hub's gateway and request bodies) queues up to the
     * high mark per event-loop turn, and the stream's frames of that turn leave in one socket write.
     * Netty's 32/64 KiB default let one 64 KiB chunk through per turn: a socket write, a wake-up of
     * the reader and a writability round trip for every 64 KiB, which cost a bulk stream half its
     * speed (bench bulk: 0.78-0.87x of raw TCP with it, 1.33-1.41x with these marks). Frames that
     * wait for the peer's window count towards the mark, so a writer that follows it queues at most
     * the high mark and one write on a stream whose reader stopped (64 KiB with Netty's default);
     * the receiving side holds at most its window (1 MiB). An idle stream holds nothing.
     */
    static final WriteBufferWaterMark STREAM_WATER_MARK = new WriteBufferWaterMark(128 * 1024, 512 * 1024);

    /**
     * {@code SETTINGS_HEADER_TABLE_SIZE} each end advertises: no HPACK dynamic table either way. A
     * tunnel's header blocks are Agent API calls, each with a token of its own, and CONNECT requests:
     * little repeats, and a table would hold the last calls' headers on both ends of every idle tunnel
     * (Netty's decoder also sizes its table's array for 4,096 bytes up front: 528 bytes of hub heap a
     * tunnel). Header fields go as static-table references and literals.
     */
    static final int HEADER_TABLE_SIZE = 0;

    private Http2Pipelines() {
    }

    /**
     * Coalesces the flushes of a tunnel connection into one socket write per event-loop turn. Every
     * stream flushes what it wrote (a gateway request, an upstream's answer, an Agent API call), and
     * the streams of one turn share one connection: without this each stream's flush is a system
     * call of its own, with it the frames of all streams served in the turn leave in one. Put before
     * the HTTP/2 codec (towards the socket), so it sees the codec's flushes; flushes while the
     * connection reads wait for the end of that read, the others for the end of the turn.
     */
    static FlushConsolidationHandler flushConsolidation() {
        return new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true);
    }

    static Http2FrameCodec hubCodec(TunnelLimits limits) {
        Http2Settings settings = commonSettings(limits).maxConcurrentStreams(0).pushEnabled(false);
        return cumulating(withLimits(new TunnelCodecBuilder(false), limits, limits.maxRstFramesPerWindow())
                .initialSettings(settings).build());
    }

    static Http2FrameCodec agentCodec(TunnelLimits limits) {
        Http2Settings settings = commonSettings(limits).maxConcurrentStreams(limits.maxConcurrentStreams());
        // The hub cancels a CONNECT stream whenever its gateway client goes away: resets from the hub
        // are normal traffic up to a rate far above any site's, far below a rapid-reset flood's.
        return cumulating(withLimits(new TunnelCodecBuilder(true), limits, limits.maxHubResetsPerWindow())
                .initialSettings(settings).build());
    }

    /**
     * A DATA frame larger than one socket read arrives in pieces; the default cumulator copies each
     * piece into one buffer, a third copy of every bulk byte. Composing the pieces copies nothing
     * and the frame's payload is handed on as a slice of them.
     */
    private static Http2FrameCodec cumulating(Http2FrameCodec codec) {
        codec.setCumulator(ByteToMessageDecoder.COMPOSITE_CUMULATOR);
        return codec;
    }

    /**
     * Widens the connection-level receive window to {@code maxConcurrentStreams * initialWindowSize}
     * (capped at 2^31-1). The multiplexer returns connection window only as streams consume data,
     * so with the RFC default of 65,535 a single stalled stream would shut the whole connection;
     * this way stalled streams can only ever use their own windows. Call right after the codec is
     * added (its preface, with SETTINGS, is already written).
     */
    static void widenConnectionWindow(Channel channel, TunnelLimits limits) {
        long target = Math.min(Integer.MAX_VALUE, (long) limits.maxConcurrentStreams() * limits.initialWindowSize());
        int delta = (int) (target - Http2CodecUtil.DEFAULT_WINDOW_SIZE);
        if (delta > 0) {
            channel.writeAndFlush(new DefaultHttp2WindowUpdateFrame(delta));
        }
    }

    /** The hub's flood budget on one agent connection; put right in front of the codec. */
    static ControlFrameBudget hubBudget(TunnelLimits limits) {
        return new ControlFrameBudget(limits, Ticker.systemTicker());
    }

    /** The hub never accepts a stream (push is off): any that appears is closed at once. */
    static Http2MultiplexHandler hubMultiplexer() {
        return new Http2MultiplexHandler(new RefuseInboundStreams());
    }

    static Http2MultiplexHandler agentMultiplexer(String sessionId, TunnelLimits limits,
            IncomingStreamHandlerFactory factory) {
        return new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.config().setOption(ChannelOption.AUTO_READ, false);
                ch.config().setOption(ChannelOption.WRITE_BUFFER_WATER_MARK, STREAM_WATER_MARK);
                ch.pipeline().addLast(streamIdleHandler(limits), new StreamChannelHandler(sessionId, factory));
            }
        });
    }

    /**
     * Opens a stream of the client connection {@code parent} as a child channel with
     * {@code AUTO_READ} off and the {@link #STREAM_WATER_MARK}, its pipeline built by {@code init}: {@code opened} gets it, or
     * {@code failed} the cause when it could not be opened. {@code closed} runs once either way, when
     * the child has closed or failed to open (the callers count their open streams with it).
     */
    static void openStreamChannel(Channel parent, Consumer<Http2StreamChannel> init,
            Consumer<Http2StreamChannel> opened, Consumer<Throwable> failed, Runnable closed) {
        new Http2StreamChannelBootstrap(parent)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, STREAM_WATER_MARK)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        init.accept(ch);
                    }
                })
                .open()
                .addListener(f -> {
                    if (f.isSuccess()) {
                        Http2StreamChannel ch = (Http2StreamChannel) f.getNow();
                        ch.closeFuture().addListener(c -> closed.run());
                        opened.accept(ch);
                    } else {
                        closed.run();
                        failed.accept(f.cause());
                    }
                });
    }

    static IdleStateHandler streamIdleHandler(TunnelLimits limits) {
        return new IdleStateHandler(0, 0, limits.streamIdleTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    private static Http2Settings commonSettings(TunnelLimits limits) {
        return new Http2Settings()
                .headerTableSize(HEADER_TABLE_SIZE)
                .maxHeaderListSize(limits.maxHeaderListSize())
                .maxFrameSize(limits.maxFrameSize())
                .initialWindowSize(limits.initialWindowSize());
    }

    private static Http2FrameCodecBuilder withLimits(Http2FrameCodecBuilder builder, TunnelLimits limits,
            int maxReceivedResets) {
        int windowSeconds = (int) limits.rstWindow().toSeconds();
        return builder
                .validateHeaders(true)
                // A close that is not graceful (connection error, missed keepalive) is immediate;
                // GracefulClose sets the grace for the duration of its own close() call.
                .gracefulShutdownTimeoutMillis(0)
                .decoderEnforceMaxRstFramesPerWindow(maxReceivedResets, windowSeconds)
                .encoderEnforceMaxRstFramesPerWindow(limits.maxRstFramesPerWindow(), windowSeconds)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(limits.maxConsecutiveEmptyDataFrames())
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES)
                .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES);
    }

    /**
     * {@link Http2FrameCodecBuilder} with the connection made here, so that its remote flow
     * controller shares the connection's window among the streams with a
     * {@link UniformStreamByteDistributor} instead of Netty's default, the
     * {@code WeightedFairQueueByteDistributor}. The weighted one implements RFC 7540's priority tree,
     * which RFC 9113 deprecated and no tunnel peer sends (every stream has the default weight, so
     * both distributors give each writable stream an equal share, at least 1 KiB a pass); it keeps a
     * priority queue, a map of recently closed streams' states and a tree node per connection, on
     * every tunnel, idle or not: the bench hub's heap per idle tunnel fell from 8,353 to 7,979 bytes
     * without them (the second 5,000 of 10,000), and more is saved per open stream.
     * {@code ConcurrentStreamsIT} checks that a stream beside a stalled one still moves,
     * {@code TunnelRoundTripIT} that both ends use this distributor.
     */
    private static final class TunnelCodecBuilder extends Http2FrameCodecBuilder {

        TunnelCodecBuilder(boolean server) {
            DefaultHttp2Connection connection = new DefaultHttp2Connection(server);
            connection.remote().flowController(
                    new DefaultHttp2RemoteFlowController(connection, new UniformStreamByteDistributor(connection)));
            connection(connection);
        }
    }

    @ChannelHandler.Sharable
    private static final class RefuseInboundStreams extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }
}
