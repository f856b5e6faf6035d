package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

/** The relay's values: decisions, problem bodies, header stripping and the reset-code mapping. */
class RelayDecisionTest {

    @Test
    void aRefusalWithARelayProblemCarriesItsTypeTitleAndStatus() {
        RelayDecision.Refuse refuse = (RelayDecision.Refuse) RelayDecision.refuse(RelayProblem.AGENT_NOT_CONNECTED,
                "agent a-1 is not here");
        assertThat(refuse.status()).isEqualTo(404);
        assertThat(refuse.problemType()).isEqualTo("urn:codehub:problem:relay-agent-not-connected");
        String body = new String(ProblemBodies.encode(refuse.problemType(), refuse.title(), refuse.status(),
                refuse.detail()), StandardCharsets.UTF_8);
        assertThat(RelayProblem.fromUri(ProblemBodies.stringMember(body, "type")))
                .isEqualTo(RelayProblem.AGENT_NOT_CONNECTED);
        assertThat(ProblemBodies.stringMember(body, "detail")).isEqualTo("agent a-1 is not here");
        assertThat(body).contains("\"status\":404");
    }

    @Test
    void aRefusalByStatusTakesTheReasonPhraseAsTitleAndChecksTheStatus() {
        RelayDecision.Refuse refuse = (RelayDecision.Refuse) RelayDecision.refuse(429, "urn:example:busy", "later");
        assertThat(refuse.title()).isEqualTo("Too Many Requests");
        assertThatIllegalArgumentException().isThrownBy(() -> RelayDecision.refuse(200, "urn:x", "fine"))
                .withMessageContaining("status");
        assertThatIllegalArgumentException().isThrownBy(() -> RelayDecision.refuse(403, " ", "no type"));
    }

    @Test
    void stripsEveryRelayHeaderWhateverItsCaseAndKeepsTheRest() {
        Http2Headers headers = new DefaultHttp2Headers(false).method("GET").path("/v1/instances").authority("agent")
                .add("codehub-relay-agent", "a-1").add("Codehub-Relay-Authorization", "secret")
                .add("codehub-relayed", "kept").add("x-trace", "t");
        Http2Headers stripped = RelayStreams.withoutRelayHeaders(headers);
        assertThat(stripped.names()).extracting(CharSequence::toString)
                .containsExactlyInAnyOrder(":method", ":path", ":authority", "codehub-relayed", "x-trace");
        assertThat(stripped.path().toString()).isEqualTo("/v1/instances");
    }

    @Test
    void unprocessedFailuresResetWithRefusedStreamOthersWithTheirCode() {
        TunnelStreamException refused = new TunnelStreamException(3, Http2Error.CANCEL, true, "never sent", null);
        TunnelConnectionException closed = new TunnelConnectionException(TunnelConnectionException.Reason.CLOSED,
                null, true, "session closed", null);
        TunnelStreamException reset = new TunnelStreamException(5, Http2Error.ENHANCE_YOUR_CALM, false, "reset", null);
        TunnelConnectionException lost = new TunnelConnectionException(TunnelConnectionException.Reason.LOST,
                Http2Error.PROTOCOL_ERROR, false, "lost", null);

        assertThat(StreamBridge.resetCode(refused)).isEqualTo(Http2Error.REFUSED_STREAM);
        assertThat(StreamBridge.resetCode(new CompletionException(closed))).isEqualTo(Http2Error.REFUSED_STREAM);
        assertThat(StreamBridge.resetCode(reset)).isEqualTo(Http2Error.ENHANCE_YOUR_CALM);
        assertThat(StreamBridge.resetCode(lost)).isEqualTo(Http2Error.PROTOCOL_ERROR);
        assertThat(StreamBridge.resetCode(new IllegalStateException("other"))).isEqualTo(Http2Error.CANCEL);
    }
}
