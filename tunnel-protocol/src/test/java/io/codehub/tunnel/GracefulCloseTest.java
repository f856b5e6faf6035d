package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link GracefulClose} between a hub pipeline (HTTP/2 client) and an agent pipeline (HTTP/2
 * server) wired back to back through embedded channels, on their fake clocks: which GOAWAYs go on
 * the wire, that a stream in flight finishes, that a stream opened after the GOAWAY is refused,
 * and that the connection closes at the deadline when a stream never ends.
 */
@ExtendWith(NoBufferLeaks.class)
class GracefulCloseTest {

    private static final Duration GRACE = Duration.ofSeconds(10);

    private final TunnelLimits limits = TunnelLimits.defaults();
    private final List<TunnelStream> held = new ArrayList<>();
    private EmbeddedChannel hub;
    private EmbeddedChannel agent;

    /** One GOAWAY as read by the other side. */
    record GoAway(int lastStreamId, long errorCode, String debug) {
    }

    @BeforeEach
    void connect() {
        hub = new EmbeddedChannel();
        hub.freezeTime();
        hub.pipeline().addLast(Http2Pipelines.CODEC, Http2Pipelines.hubCodec(limits));
        hub.pipeline().addLast(Http2Pipelines.MULTIPLEX, Http2Pipelines.hubMultiplexer());
        agent = new EmbeddedChannel();
        agent.freezeTime();
        agent.pipeline().addLast(Http2Pipelines.CODEC, Http2Pipelines.agentCodec(limits));
        agent.pipeline().addLast(Http2Pipelines.MULTIPLEX, Http2Pipelines.agentMultiplexer("s-1", limits,
                (stream, headers, endStream) -> {
                    held.add(stream);
                    return new TunnelStreamHandler() {
                        @Override
                        public void onHeaders(Http2Headers trailers, boolean end) {
                        }

                        @Override
                        public void onData(ByteBuf data, boolean end) {
                            data.release();
                        }
                    };
                }));
        shuttle();
        goAways(hub);
        goAways(agent);
    }

    @AfterEach
    void release() {
        shuttle();
        hub.finishAndReleaseAll();
        agent.finishAndReleaseAll();
    }

    /** Moves bytes both ways until neither side has anything more to say. */
    private void shuttle() {
        boolean moved;
        do {
            hub.runPendingTasks();
            agent.runPendingTasks();
            moved = move(hub, agent) | move(agent, hub);
        } while (moved);
    }

    private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        boolean moved = false;
        Object msg;
        while ((msg = from.readOutbound()) != null) {
            moved = true;
            if (to.isOpen()) {
                to.writeInbound(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }
        return moved;
    }

    private static void advance(EmbeddedChannel ch, Duration time) {
        ch.advanceTimeBy(time.toNanos(), TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
    }

    /** The GOAWAYs that reached the end of {@code ch}'s pipeline; releases every other frame there. */
    private static List<GoAway> goAways(EmbeddedChannel ch) {
        List<GoAway> found = new ArrayList<>();
        Object msg;
        while ((msg = ch.readInbound()) != null) {
            if (msg instanceof Http2GoAwayFrame g) {
                found.add(new GoAway(g.lastStreamId(), g.errorCode(), g.content().toString(StandardCharsets.US_ASCII)));
            }
            ReferenceCountUtil.release(msg);
        }
        return found;
    }

    /** Hub side: opens a stream, sends a request and collects what comes back. */
    private Answer request() {
        Answer answer = new Answer();
        Future<Http2StreamChannel> opened = new Http2StreamChannelBootstrap(hub).handler(answer).open();
        hub.runPendingTasks();
        assertThat(opened.isSuccess()).isTrue();
        answer.channel = opened.getNow();
        answer.headersWritten = answer.channel.writeAndFlush(new DefaultHttp2HeadersFrame(
                new DefaultHttp2Headers().method("GET").scheme("http").authority("agent").path("/slow"), true));
        shuttle();
        return answer;
    }

    static final class Answer extends ChannelInboundHandlerAdapter {
        Http2StreamChannel channel;
        ChannelFuture headersWritten;
        final List<String> statuses = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame h) {
                statuses.add(String.valueOf(h.headers().status()));
            }
            ReferenceCountUtil.release(msg);
        }
    }

    private void answer(TunnelStream stream) {
        stream.writeHeaders(new DefaultHttp2Headers().status("200"), true);
        shuttle();
    }

    @Test
    void agentSendsGoAwayForEveryStreamAndAPingThenTheFinalGoAwayAfterTheAck() {
        Answer inFlight = request();
        assertThat(held).hasSize(1);
        int streamId = inFlight.channel.stream().id();

        GracefulClose.start(agent, TunnelProtocol.GOAWAY_CLOSED, GRACE);
        agent.runPendingTasks();
        move(agent, hub); // the hub's PING ACK is not back yet
        assertThat(goAways(hub)).as("before the ACK: GOAWAY for every stream, nothing refused yet")
                .containsExactly(new GoAway(Integer.MAX_VALUE, 0, "closed"));
        shuttle();

        assertThat(goAways(hub)).as("after the PING ACK: the hub's last stream")
                .containsExactly(new GoAway(streamId, 0, "closed"));
        assertThat(agent.isOpen()).as("the stream in flight holds the connection").isTrue();
        assertThat(agent.pipeline().get(GracefulClose.NAME)).as("done with its probe").isNull();
    }

    @Test
    void agentCloseLetsTheStreamInFlightFinishRefusesANewOneAndClosesWhenItEnds() {
        Answer inFlight = request();
        GracefulClose.start(agent, TunnelProtocol.GOAWAY_CLOSED, GRACE);
        shuttle();

        Answer late = request();
        assertThat(late.headersWritten.cause()).as("a stream after the final GOAWAY is refused")
                .isInstanceOf(Http2Exception.class)
                .extracting(e -> ((Http2Exception) e).error()).isEqualTo(Http2Error.REFUSED_STREAM);
        assertThat(held).as("the agent never saw it").hasSize(1);
        assertThat(agent.isOpen()).isTrue();

        answer(held.get(0));
        assertThat(inFlight.statuses).containsExactly("200");
        assertThat(agent.isOpen()).as("closed when the last stream ended, before the deadline").isFalse();
    }

    @Test
    void agentCloseEndsAtTheDeadlineWhenAStreamNeverFinishes() {
        request();
        GracefulClose.start(agent, TunnelProtocol.GOAWAY_CLOSED, GRACE);
        shuttle();

        advance(agent, GRACE.minusMillis(1));
        assertThat(agent.isOpen()).isTrue();
        advance(agent, Duration.ofMillis(1));
        assertThat(agent.isOpen()).as("closed at the grace deadline").isFalse();
    }

    @Test
    void agentWithoutAPingAckSendsTheFinalGoAwayAndClosesAtTheDeadline() {
        request();
        GracefulClose.start(agent, TunnelProtocol.GOAWAY_CLOSED, GRACE);
        agent.runPendingTasks();
        Object lost;
        while ((lost = agent.readOutbound()) != null) {
            ReferenceCountUtil.release(lost); // GOAWAY and PING lost on the way: no ACK will come
        }

        advance(agent, GRACE.minusMillis(1));
        assertThat(agent.isOpen()).isTrue();
        advance(agent, Duration.ofMillis(1));
        assertThat(agent.isOpen()).isFalse();
    }

    @Test
    void hubSendsOneGoAwayWithItsReasonAndClosesWhenTheStreamInFlightEnds() {
        Answer inFlight = request();

        GracefulClose.start(hub, TunnelProtocol.GOAWAY_DRAINING, GRACE);
        shuttle();

        assertThat(goAways(agent)).containsExactly(new GoAway(0, 0, "draining"));
        assertThat(hub.isOpen()).as("the stream in flight holds the connection").isTrue();
        assertThat(agent.isOpen()).isTrue();
        answer(held.get(0));
        assertThat(inFlight.statuses).containsExactly("200");
        assertThat(hub.isOpen()).as("closed when the last stream ended").isFalse();
    }

    @Test
    void hubCloseEndsAtTheDeadlineAndALaterShorterCloseBringsItForward() {
        request();
        GracefulClose.start(hub, TunnelProtocol.GOAWAY_REPLACED, Duration.ofSeconds(30));
        shuttle();
        advance(hub, GRACE);
        assertThat(hub.isOpen()).isTrue();

        GracefulClose.start(hub, TunnelProtocol.GOAWAY_DRAINING, GRACE);
        advance(hub, GRACE.minusMillis(1));
        assertThat(hub.isOpen()).isTrue();
        advance(hub, Duration.ofMillis(1));
        assertThat(hub.isOpen()).as("20 s after the first close, not 30").isFalse();
        shuttle();
        assertThat(goAways(agent)).as("one GOAWAY: the first reason").containsExactly(new GoAway(0, 0, "replaced"));
    }

    @Test
    void aZeroGraceClosesAtOnceAndEveryOtherCloseStaysImmediate() {
        request();
        GracefulClose.start(agent, TunnelProtocol.GOAWAY_CLOSED, Duration.ZERO);
        agent.runPendingTasks();
        advance(agent, Duration.ZERO);
        assertThat(agent.isOpen()).isFalse();

        GracefulClose.start(hub, TunnelProtocol.GOAWAY_CLOSED, GRACE);
        hub.runPendingTasks();
        assertThat(hub.isOpen()).isTrue();
        hub.close();
        hub.runPendingTasks();
        advance(hub, Duration.ZERO);
        assertThat(hub.isOpen()).as("a plain close() during a graceful one does not wait").isFalse();
    }

    @Test
    void aChannelStillInTheHandshakeClosesAtOnce() {
        EmbeddedChannel handshaking = new EmbeddedChannel();
        GracefulClose.start(handshaking, TunnelProtocol.GOAWAY_CLOSED, GRACE);
        assertThat(handshaking.isOpen()).isFalse();
        assertThat(handshaking.finishAndReleaseAll()).isFalse();
    }

    @Test
    void thePingAckOfTheProbeStaysInsideTheHandler() {
        request();
        GracefulClose.start(agent, TunnelProtocol.GOAWAY_CLOSED, GRACE);
        shuttle();
        Object msg;
        while ((msg = agent.readInbound()) != null) {
            assertThat(msg).isNotInstanceOf(Http2PingFrame.class);
            ReferenceCountUtil.release(msg);
        }
    }
}
