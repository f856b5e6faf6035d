package io.codehub.tunnel;

import static io.codehub.tunnel.HostileAgentRig.concat;
import static io.codehub.tunnel.HostileAgentRig.frame;
import static io.codehub.tunnel.HostileAgentRig.repeat;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.Test;

/** What the hub's flood budget counts, what it lets through, and how it ends a connection. */
class ControlFrameBudgetTest {

    private static final TunnelLimits LIMITS = TunnelLimits.builder()
            .maxControlFramesPerWindow(10).controlFrameWindow(Duration.ofSeconds(10)).build();
    private static final byte[] PING = frame(0x6, 0, 0, new byte[8]);

    private final MockTicker ticker = Ticker.newMockTicker();
    private final Recorder recorder = new Recorder();
    private final EmbeddedChannel channel = new EmbeddedChannel(new ControlFrameBudget(LIMITS, ticker), recorder);

    @Test
    void controlFramesWithinTheBudgetPassAndOneMoreEndsTheConnectionWithEnhanceYourCalm() {
        channel.writeInbound(Unpooled.wrappedBuffer(repeat(PING, 10)));
        assertThat(recorder.bytes).isEqualTo(10 * PING.length);
        assertThat(recorder.error).isNull();

        channel.writeInbound(Unpooled.wrappedBuffer(concat(PING, PING)));

        assertThat(recorder.error).isNotNull();
        assertThat(recorder.error.error()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM);
        assertThat(recorder.bytes).as("the buffer that broke the budget is dropped").isEqualTo(10 * PING.length);
        channel.writeInbound(Unpooled.wrappedBuffer(PING));
        assertThat(recorder.bytes).as("and so is everything after it").isEqualTo(10 * PING.length);
    }

    @Test
    void theBudgetRefillsAfterItsWindow() {
        channel.writeInbound(Unpooled.wrappedBuffer(repeat(PING, 10)));
        ticker.advance(10, TimeUnit.SECONDS);
        channel.writeInbound(Unpooled.wrappedBuffer(repeat(PING, 10)));
        assertThat(recorder.error).isNull();
    }

    @Test
    void requestsResponsesAndFramesSplitAcrossReadsAreParsedAndNotCounted() {
        byte[] headers = frame(0x1, 0x4, 3, new byte[] {(byte) 0x88});
        byte[] data = frame(0x0, 0, 3, new byte[100]);
        byte[] lastEmptyData = frame(0x0, 0x1, 3, new byte[0]);
        byte[] stream = concat(repeat(concat(headers, data, lastEmptyData), 50), repeat(PING, 10));
        for (int i = 0; i < stream.length; i += 7) {
            channel.writeInbound(Unpooled.wrappedBuffer(stream, i, Math.min(7, stream.length - i)));
        }
        assertThat(recorder.error).isNull();
        channel.writeInbound(Unpooled.wrappedBuffer(frame(0x0, 0, 3, new byte[0])));
        assertThat(recorder.error).as("an empty DATA frame without END_STREAM counts").isNotNull();
    }

    @Test
    void windowUpdatesArePaidForByWhatTheHubWrote() {
        byte[] update = frame(0x8, 0, 3, new byte[] {0, 0, 64, 0});
        channel.writeOutbound(Unpooled.wrappedBuffer(new byte[100 * ControlFrameBudget.BYTES_PER_FREE_WINDOW_UPDATE]));
        channel.writeInbound(Unpooled.wrappedBuffer(repeat(update, 110)));
        assertThat(recorder.error).as("100 paid for, 10 counted").isNull();
        channel.writeInbound(Unpooled.wrappedBuffer(update));
        assertThat(recorder.error).isNotNull();
        channel.finishAndReleaseAll();
    }

    /** Collects what passes the budget and the error it raises. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        long bytes;
        Http2Exception error;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            bytes += ((ByteBuf) msg).readableBytes();
            ((ByteBuf) msg).release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            error = (Http2Exception) cause;
        }
    }
}
