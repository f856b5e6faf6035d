package io.codehub.tunnel;

import static io.codehub.tunnel.HandshakeTestSupport.written;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.codehub.base.JsonText;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fuzzes the handshake's problem bodies both ways: what the hub writes ({@link ProblemBodies#encode})
 * reads back to the same members, and what an agent reads from any answer
 * ({@link ProblemBodies#stringMember}, {@link ClientHandshakeHandler}) is bounded and typed. Seeds in
 * {@code ProblemBodiesFuzzTestInputs/<method>/}; see docs/security-testing.md, Fuzzing.
 */
@ExtendWith(NoBufferLeaks.class)
class ProblemBodiesFuzzTest {

    private static final String[] MEMBERS = {"type", "title", "detail", "status"};

    /** encode then stringMember gives back the type, the title and the (capped) detail; encoding is stable. */
    @FuzzTest(maxDuration = "2m")
    void encodedBodiesReadBack(FuzzedDataProvider data) {
        HandshakeProblem problem = data.pickValue(HandshakeProblem.values());
        String detail = data.consumeRemainingAsString();
        byte[] encoded = ProblemBodies.encode(problem, detail);
        String body = new String(encoded, StandardCharsets.UTF_8);

        // The body is one line of JSON that no HTML context can break out of.
        assertThat(body).startsWith("{\"type\":\"urn:codehub:problem:tunnel-").endsWith("}")
                .doesNotContain("<", ">", "&");
        assertThat(body.chars()).noneMatch(c -> c < 0x20);
        assertThat(ProblemBodies.stringMember(body, "type")).isEqualTo(problem.uri().toString());
        assertThat(ProblemBodies.stringMember(body, "title")).isEqualTo(problem.title());
        assertThat(ProblemBodies.stringMember(body, "status")).isNull();
        String capped = detail.length() <= ProblemBodies.MAX_DETAIL_CHARS
                ? detail : detail.substring(0, ProblemBodies.MAX_DETAIL_CHARS);
        // UTF-8 has no lone surrogates: the encoder writes '?' for one (cut in half by the cap, or fuzzed)
        String expected = new String(capped.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        String read = ProblemBodies.stringMember(body, "detail");
        assertThat(read).isEqualTo(expected);
        assertThat(ProblemBodies.encode(problem, read)).isEqualTo(encoded);
    }

    /** Any text: a member read is at most the cap long, and reads back the same once re-encoded. */
    @FuzzTest(maxDuration = "2m")
    void anyBodyReadsWithinTheCap(byte[] input) {
        String body = new String(input, StandardCharsets.UTF_8);
        for (String name : MEMBERS) {
            String value = ProblemBodies.stringMember(body, name);
            if (value == null) {
                continue;
            }
            assertThat(body).contains(JsonText.quote(name));
            assertThat(value.length()).isLessThanOrEqualTo(ProblemBodies.MAX_DETAIL_CHARS);
            String again = "{" + JsonText.quote(name) + ":" + JsonText.quote(value) + "}";
            assertThat(ProblemBodies.stringMember(again, name)).isEqualTo(value);
        }
    }

    /**
     * Any bytes as the hub's answer: the attempt ends (the connection closing at the latest) either
     * upgraded with valid session facts or failed with a {@link TunnelConnectionException}, a
     * {@link HandshakeRejectedException} for a complete non-101 answer with a bounded detail and a
     * Retry-After of at most a day; no exception escapes the pipeline, no buffer leaks.
     */
    @FuzzTest(maxDuration = "2m")
    void agentReadsAnyAnswer(byte[] answer) {
        ClientHandshakeHandler handshake = new ClientHandshakeHandler(new ClientHandshakeHandler.Attempt(
                "hub.example:7443", "chk_fuzz", null, "agent/0.1", AgentDescription.NONE, TunnelLimits.defaults(),
                TunnelTestKit.echo(), new AgentSessionHandler.Events() {
                    @Override
                    public void goAway(HubSessionInfo session, String reason) {
                    }

                    @Override
                    public void closed(HubSessionInfo session, @Nullable Throwable cause) {
                    }
                }));
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(ClientHandshakeHandler.HTTP_CODEC, new HttpClientCodec())
                .addLast(ClientHandshakeHandler.AGGREGATOR,
                        new HttpObjectAggregator(ClientHandshakeHandler.MAX_RESPONSE_BYTES))
                .addLast("handshake", handshake);
        // a buffer of its own even when empty (Unpooled.EMPTY_BUFFER is never released)
        ByteBuf in = Unpooled.buffer(answer.length + 1).writeBytes(answer);
        try {
            ch.pipeline().fireChannelActive();
            written(ch);
            ch.writeInbound(in);
            ch.runPendingTasks();
            ch.checkException();
        } finally {
            written(ch);
            ch.finishAndReleaseAll();
        }
        assertThat(in.refCnt()).as("the answer's buffer is released").isZero();
        CompletableFuture<ClientHandshakeHandler.Upgraded> result = handshake.result();
        assertThat(result).isDone();
        if (!result.isCompletedExceptionally()) {
            HubSessionInfo info = result.join().info();
            assertThat(HeaderValues.isPrintable(info.sessionId(), 128)).isTrue();
            assertThat(HeaderValues.isPrintable(info.hubId(), 64)).isTrue();
            assertThat(info.keepaliveInterval()).isBetween(Duration.ofSeconds(1), Duration.ofHours(1));
            String ticket = result.join().ticket();
            assertThat(ticket == null || HeaderValues.isToken68(ticket, 4096)).isTrue();
            return;
        }
        Throwable cause = result.handle((ok, e) -> e).join();
        assertThat(cause).isInstanceOf(TunnelConnectionException.class);
        if (cause instanceof HandshakeRejectedException rejected) {
            // the status line's number, whatever it is (Netty takes "001" and "500003" too)
            assertThat(rejected.status()).isNotNegative().isNotEqualTo(101);
            assertThat(rejected.type()).isNotNull();
            assertThat(rejected.getMessage().length()).isLessThan(2 * ProblemBodies.MAX_DETAIL_CHARS + 200);
            Duration retryAfter = rejected.retryAfter();
            assertThat(retryAfter == null || !retryAfter.isNegative() && retryAfter.toSeconds() <= 86_400).isTrue();
        }
    }
}
