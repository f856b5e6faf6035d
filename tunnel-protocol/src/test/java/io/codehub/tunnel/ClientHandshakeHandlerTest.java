package io.codehub.tunnel;

import static io.codehub.tunnel.HandshakeTestSupport.send;
import static io.codehub.tunnel.HandshakeTestSupport.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoBufferLeaks.class)
class ClientHandshakeHandlerTest {

    private static final String PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    private static final byte[] EMPTY_SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};
    private static final byte[] SETTINGS_ACK = {0, 0, 0, 4, 1, 0, 0, 0, 0};

    private EmbeddedChannel ch;
    private ClientHandshakeHandler handshake;

    @AfterEach
    void close() {
        if (ch != null) {
            written(ch);
            ch.finishAndReleaseAll();
        }
    }

    private String start(@Nullable String apiKey, @Nullable String ticket) {
        handshake = new ClientHandshakeHandler(new ClientHandshakeHandler.Attempt("hub.example:7443", apiKey, ticket,
                "agent/0.1", AgentDescription.NONE, TunnelLimits.defaults(), TunnelTestKit.echo(), new AgentSessionHandler.Events() {
                    @Override
                    public void goAway(HubSessionInfo session, String reason) {
                    }

                    @Override
                    public void closed(HubSessionInfo session, @Nullable Throwable cause) {
                    }
                }));
        ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(ClientHandshakeHandler.HTTP_CODEC, new HttpClientCodec())
                .addLast(ClientHandshakeHandler.AGGREGATOR, new HttpObjectAggregator(16 * 1024))
                .addLast("handshake", handshake);
        ch.pipeline().fireChannelActive();
        return written(ch);
    }

    @Test
    void sendsTheUpgradeRequestWithTheApiKey() {
        String request = start("chk_a_b", null);
        assertThat(request).startsWith("GET /v1/tunnel HTTP/1.1\r\n")
                .contains("host: hub.example:7443\r\n")
                .containsIgnoringCase("connection: upgrade\r\n")
                .contains("upgrade: codehub-tunnel/1\r\n")
                .contains("authorization: Bearer chk_a_b\r\n")
                .containsIgnoringCase("codehub-agent-version: agent/0.1\r\n")
                .containsPattern("(?i)codehub-agent-time: [0-9]{13}\r\n")
                .doesNotContainIgnoringCase("codehub-resumption-ticket")
                .endsWith("\r\n\r\n");
    }

    @Test
    void presentsTheTicketInsteadOfTheKeyWhenItHasOne() {
        String request = start("chk_a_b", "tkt.1");
        assertThat(request).containsIgnoringCase("codehub-resumption-ticket: tkt.1\r\n")
                .doesNotContainIgnoringCase("authorization");
    }

    @Test
    void on101BecomesTheHttp2ServerAndHandsItTheBytesBehindThe101() throws Exception {
        start("chk_a_b", null);
        ByteBuf in = Unpooled.buffer();
        in.writeCharSequence("HTTP/1.1 101 Switching Protocols\r\nUpgrade: codehub-tunnel/1\r\nConnection: Upgrade\r\n"
                + "Codehub-Session-Id: s-1\r\nCodehub-Hub-Id: hub-9\r\nCodehub-Keepalive-Interval: 20\r\n"
                + "Codehub-Resumption-Ticket: next.ticket\r\n\r\n" + PREFACE, StandardCharsets.ISO_8859_1);
        in.writeBytes(EMPTY_SETTINGS);
        ch.writeInbound(in);

        ClientHandshakeHandler.Upgraded upgraded = handshake.result().get(1, TimeUnit.SECONDS);
        assertThat(upgraded.info().sessionId()).isEqualTo("s-1");
        assertThat(upgraded.info().hubId()).isEqualTo("hub-9");
        assertThat(upgraded.info().keepaliveInterval()).isEqualTo(Duration.ofSeconds(20));
        assertThat(upgraded.ticket()).isEqualTo("next.ticket");
        assertThat(ch.pipeline().get(ClientHandshakeHandler.HTTP_CODEC)).isNull();
        assertThat(ch.pipeline().get(Http2Pipelines.CODEC)).isNotNull();
        // The hub's SETTINGS arrived in the same read as the 101 and still reached the HTTP/2 codec.
        assertThat(written(ch)).contains(new String(SETTINGS_ACK, StandardCharsets.ISO_8859_1));
    }

    @Test
    void anErrorStatusFailsWithTheProblemTypeDetailAndRetryAfter() {
        start("chk_a_b", null);
        String body = "{\"type\":\"urn:codehub:problem:tunnel-rate-limited\",\"title\":\"x\",\"status\":429,"
                + "\"detail\":\"too \\\"many\\\"\"}";
        send(ch, "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/problem+json\r\nRetry-After: 5\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body);

        assertThatThrownBy(() -> handshake.result().get(1, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(HandshakeRejectedException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.problem()).isEqualTo(HandshakeProblem.RATE_LIMITED);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(e.getMessage()).contains("too \"many\"");
                });
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void a101WithoutSessionFactsIsAProtocolError() {
        start("chk_a_b", null);
        send(ch, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: codehub-tunnel/1\r\nConnection: Upgrade\r\n\r\n");
        assertThatThrownBy(() -> handshake.result().get(1, TimeUnit.SECONDS))
                .hasMessageContaining("101 without a valid session id");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void givesUpAfterTheHandshakeTimeoutFromTheHubsFirstAnswer() {
        start("chk_a_b", null);
        ch.advanceTimeBy(55, TimeUnit.SECONDS); // waiting in the hub's accept queue: patient
        ch.runScheduledPendingTasks();
        assertThat(handshake.result()).isNotDone();

        handshake.answered(ch.pipeline().context(handshake)); // the hub's first byte (its ServerHello, say)
        ch.advanceTimeBy(9, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(handshake.result()).isNotDone();
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThatThrownBy(() -> handshake.result().get(1, TimeUnit.SECONDS))
                .hasMessageContaining("did not complete within PT10S of its first answer");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void givesUpWhenTheHubNeverAnswers() {
        start("chk_a_b", null);
        ch.advanceTimeBy(59, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(handshake.result()).as("six handshake timeouts of patience").isNotDone();
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThatThrownBy(() -> handshake.result().get(1, TimeUnit.SECONDS))
                .hasMessageContaining("no answer from").hasMessageContaining("within PT1M");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void retryAfterAcceptsDeltaSecondsOnly() {
        assertThat(ClientHandshakeHandler.retryAfter("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(ClientHandshakeHandler.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isNull();
        assertThat(ClientHandshakeHandler.retryAfter("-1")).isNull();
        assertThat(ClientHandshakeHandler.retryAfter(null)).isNull();
    }
}
