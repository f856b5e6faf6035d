package io.codehub.tunnel;

import static io.codehub.tunnel.HandshakeTestSupport.context;
import static io.codehub.tunnel.HandshakeTestSupport.hubChannel;
import static io.codehub.tunnel.HandshakeTestSupport.send;
import static io.codehub.tunnel.HandshakeTestSupport.ticker;
import static io.codehub.tunnel.HandshakeTestSupport.upgradeRequest;
import static io.codehub.tunnel.HandshakeTestSupport.written;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;

import io.codehub.tunnel.HandshakeTestSupport.InetEmbeddedChannel;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The counting a {@link TunnelObserver} gets from the handshake and from the byte counter, on embedded channels. */
@ExtendWith(NoBufferLeaks.class)
class TunnelObserverTest {

    private final TunnelObserverIT.Recorder recorder = new TunnelObserverIT.Recorder();

    private ServerContext server(TunnelLimits limits) {
        TunnelAuthenticator rejectAll = request -> CompletableFuture.completedFuture(
                AuthDecision.reject(403, "disabled", null));
        return context(rejectAll, limits, ticker(), new TunnelListener() { }, recorder, Map.of());
    }

    @Test
    void aHandshakeTimeoutIsCountedAsTimeout() {
        InetEmbeddedChannel ch = hubChannel(server(TunnelLimits.builder().handshakeTimeout(Duration.ofSeconds(5))
                .build()), "127.0.0.10");
        send(ch, "GET /v1/tunnel HTTP/1.1\r\n");
        ch.advanceTimeBy(5, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        written(ch);
        ch.finishAndReleaseAll();

        assertThat(recorder.rejected).containsOnlyKeys(HandshakeProblem.TIMEOUT);
    }

    @Test
    void aRefusalAndAMalformedRequestAreCountedByProblem() {
        InetEmbeddedChannel refused = hubChannel(server(TunnelLimits.defaults()), "127.0.0.11");
        send(refused, upgradeRequest("Authorization: Bearer chk_agent-1_secret"));
        InetEmbeddedChannel malformed = hubChannel(server(TunnelLimits.defaults()), "127.0.0.12");
        send(malformed, "POST /v1/tunnel HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
        for (InetEmbeddedChannel ch : new InetEmbeddedChannel[] {refused, malformed}) {
            written(ch);
            ch.finishAndReleaseAll();
        }

        assertThat(recorder.rejected.get(HandshakeProblem.FORBIDDEN)).hasValue(1);
        assertThat(recorder.rejected.get(HandshakeProblem.MALFORMED)).hasValue(1);
        assertThat(recorder.accepted).hasValue(0);
    }

    @Test
    void aFailedTlsHandshakeIsCounted() {
        AtomicTls tls = new AtomicTls();
        InetEmbeddedChannel ch = hubChannel(context(request -> new CompletableFuture<>(), TunnelLimits.defaults(),
                ticker(), new TunnelListener() { }, tls, Map.of()), "127.0.0.13");
        ch.pipeline().fireUserEventTriggered(new SslHandshakeCompletionEvent(new SSLHandshakeException("bad")));
        ch.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        ch.finishAndReleaseAll();

        assertThat(tls.failures).isEqualTo(1);
    }

    @Test
    void bytesAreReportedPerReadBatchAndPerFlush() {
        EmbeddedChannel ch = new EmbeddedChannel(new ByteCountingHandler(recorder));
        ch.writeOneInbound(Unpooled.wrappedBuffer(new byte[100]));
        ch.writeOneInbound(Unpooled.wrappedBuffer(new byte[50]));
        assertThat(recorder.received).hasValue(0);
        ch.pipeline().fireChannelReadComplete();
        assertThat(recorder.received).hasValue(150);

        ch.write(Unpooled.wrappedBuffer(new byte[30]));
        ch.write(Unpooled.wrappedBuffer(new byte[12]));
        assertThat(recorder.sent).hasValue(0);
        ch.flush();
        assertThat(recorder.sent).hasValue(42);

        ch.writeOneInbound(Unpooled.wrappedBuffer(new byte[7]));
        ch.finishAndReleaseAll();
        assertThat(recorder.received).hasValue(157);
    }

    /** Counts failed TLS handshakes only. */
    private static final class AtomicTls implements TunnelObserver {
        volatile int failures;

        @Override
        public void tlsHandshakeFailed() {
            failures++;
        }
    }
}
