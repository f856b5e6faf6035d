package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Hub PING/ACK and agent idle close, driven by the embedded event loop's fake clock. */
@ExtendWith(NoBufferLeaks.class)
class KeepaliveTest {

    private final Keepalive keepalive = new Keepalive(Duration.ofSeconds(15), Duration.ofSeconds(10));
    private final List<Duration> rtts = new ArrayList<>();
    private EmbeddedChannel ch;

    @AfterEach
    void close() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel hub() {
        ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new HubKeepaliveHandler(keepalive, rtts::add));
        return ch;
    }

    private Http2PingFrame advanceToPing(EmbeddedChannel ch) {
        ch.advanceTimeBy(15, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        Http2PingFrame ping = ch.readOutbound();
        assertThat(ping).isNotNull();
        assertThat(ping.ack()).isFalse();
        return ping;
    }

    @Test
    void pingsEveryIntervalAndMeasuresRoundTripTime() {
        EmbeddedChannel ch = hub();
        ch.advanceTimeBy(14_999, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat((Object) ch.readOutbound()).as("no PING before the interval").isNull();

        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        Http2PingFrame ping = ch.readOutbound();
        ch.advanceTimeBy(37, TimeUnit.MILLISECONDS);
        ch.writeInbound(new DefaultHttp2PingFrame(ping.content(), true));
        assertThat(rtts).containsExactly(Duration.ofMillis(37));

        ch.advanceTimeBy(20, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("ACKed: no timeout").isTrue();
        Http2PingFrame second = ch.readOutbound();
        assertThat(second.content()).isNotEqualTo(ping.content());
    }

    @Test
    void missedAckClosesTheConnectionAfterTheTimeout() {
        EmbeddedChannel ch = hub();
        advanceToPing(ch);
        ch.advanceTimeBy(9_999, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();

        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(rtts).isEmpty();
    }

    @Test
    void ackWithTheWrongPayloadDoesNotCount() {
        EmbeddedChannel ch = hub();
        Http2PingFrame ping = advanceToPing(ch);
        ch.writeInbound(new DefaultHttp2PingFrame(ping.content() + 1, true));
        ch.advanceTimeBy(10, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void agentClosesAfterThreeSilentIntervals() {
        ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new AgentIdleHandler(Duration.ofSeconds(15)));

        ch.advanceTimeBy(40, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0}));
        ch.releaseInbound();
        ch.advanceTimeBy(44, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("heard something 44 s ago").isTrue();

        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("45 s of silence").isFalse();
    }
}
