package io.codehub.hub.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.codehub.base.FixedRandom;
import io.codehub.hub.identity.HubKeyStore;
import io.codehub.runtime.BackendFailureException;
import io.codehub.runtime.HealthStatus;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RuntimeProblemException;
import io.codehub.runtime.WorkspaceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.codec.json.JacksonJsonDecoder;
import org.springframework.http.codec.json.JacksonJsonEncoder;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The hub against a stub agent whose clock is 5 minutes behind the hub's (the hub is 5 minutes
 * ahead, so its tokens are not valid yet where they are checked) and which checks the
 * token's times as the real agent does (30 s of skew): the first call is refused for its time and
 * sent once more with a token in the agent's time; later calls need no second try; a 401 that is
 * not about time, or one from an agent that does not state its clock, is not sent again.
 */
class AgentClockRetryTest {

    private static final Duration BLOCK = Duration.ofSeconds(20);
    private static final String AGENT = "agent-behind";
    private static final WorkspaceId WS = WorkspaceId.of("ws1");
    /** The agent's clock minus the hub's. */
    private static final Duration OFFSET = Duration.ofMinutes(-5);
    private static final Duration SKEW = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private StubAgent stub;
    private DirectAgentConnectors connectors;
    private AgentClocks clocks;

    @BeforeEach
    void start() {
        stub = new StubAgent();
        connectors = new DirectAgentConnectors(Duration.ofSeconds(2));
        clocks = new AgentClocks(SKEW);
    }

    @AfterEach
    void stop() {
        stub.close();
        connectors.close();
    }

    private RemoteRuntime runtime(int retries) throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        WebClient.Builder clients = WebClient.builder().codecs(c -> {
            c.defaultCodecs().jacksonJsonDecoder(new JacksonJsonDecoder(json));
            c.defaultCodecs().jacksonJsonEncoder(new JacksonJsonEncoder(json));
        });
        HubTokenIssuer tokens = new HubTokenIssuer(HubKeyStore.loadOrCreate(dir), Duration.ofMinutes(5),
                Duration.ofMinutes(1), Clock.systemUTC(), clocks);
        return (RemoteRuntime) new RemoteRuntimes(clients, connectors, tokens,
                new RemoteCallPolicy(Duration.ofSeconds(5), retries, Duration.ofMillis(10), Duration.ofMillis(50),
                        FixedRandom.of(0.5)), clocks, Clock.systemUTC())
                .runtime(AGENT, URI.create(stub.endpoint()));
    }

    /** The agent's clock: the hub's (this JVM's) plus {@link #OFFSET}. */
    private static Instant agentNow() {
        return Instant.now().plus(OFFSET);
    }

    /** The agent's answer: its time checks of the token (those of HubTokenVerifier), else {@code ok}. */
    private static StubAgent.Answer checkedAgainstTheAgentsClock(StubAgent.Seen seen, StubAgent.Answer ok) {
        JWTClaimsSet claims;
        try {
            claims = SignedJWT.parse(seen.authorization().substring("Bearer ".length())).getJWTClaimsSet();
        } catch (ParseException e) {
            return StubAgent.Answer.problem(401, "unauthorized", "token is not a signed JWT");
        }
        Instant now = agentNow();
        Instant expiry = claims.getExpirationTime().toInstant();
        if (!now.isBefore(expiry.plus(SKEW))) {
            return StubAgent.Answer.problem(401, "unauthorized", "token expired at " + expiry);
        }
        Instant notBefore = claims.getNotBeforeTime().toInstant();
        if (now.plus(SKEW).isBefore(notBefore)) {
            return StubAgent.Answer.problem(401, "unauthorized", "token not valid before " + notBefore);
        }
        return ok;
    }

    @Test
    void aRefusalForTheTokensTimeIsSentOnceMoreInTheAgentsTimeAndLaterCallsNeedNoSecondTry() throws Exception {
        stub.headers(() -> Map.of("Codehub-Agent-Time", Long.toString(agentNow().toEpochMilli())));
        stub.answer(seen -> checkedAgainstTheAgentsClock(seen, StubAgent.Answer.json(200, "{\"exists\":true}")));
        RemoteRuntime runtime = runtime(0); // no transport retries: what is sent twice is the clock retry
        assertThat(runtime.volumeExists(WS).block(BLOCK)).isTrue();
        assertThat(stub.seen()).hasSize(2);
        assertThat(stub.seen().get(1).authorization()).isNotEqualTo(stub.seen().get(0).authorization());
        assertThat(notBefore(stub.seen().get(0))).as("the first, in the hub's time")
                .isAfter(agentNow().plusSeconds(30));
        assertThat(Duration.between(Instant.now(), notBefore(stub.seen().get(1))))
                .as("the second token is minted in the agent's time")
                .isBetween(OFFSET.minusSeconds(5), OFFSET.plusSeconds(1));
        assertThat(clocks.offsetMillis(AGENT)).isBetween(OFFSET.toMillis() - 2_000, OFFSET.toMillis() + 2_000);
        assertThat(clocks.skewedAgents()).isEqualTo(1);

        assertThat(runtime.volumeExists(WS).block(BLOCK)).isTrue();
        assertThat(runtime.volumeExists(WS).block(BLOCK)).isTrue();
        assertThat(stub.seen()).as("one request per call from now on").hasSize(4);
        assertThat(stub.seen().get(3).authorization()).isEqualTo(stub.seen().get(1).authorization());
    }

    @Test
    void theHealthCheckWhichIsNeverRetriedOtherwiseGetsItsSecondTryToo() throws Exception {
        stub.headers(() -> Map.of("Codehub-Agent-Time", Long.toString(agentNow().toEpochMilli())));
        stub.answer(seen -> checkedAgainstTheAgentsClock(seen, StubAgent.Answer.json(200,
                "{\"status\":\"UP\",\"runtime\":\"docker\",\"version\":\"1\"}")));
        assertThat(runtime(0).health().block(BLOCK).status()).isEqualTo(HealthStatus.UP);
        assertThat(stub.seen()).hasSize(2);
    }

    @Test
    void aRefusalThatIsNotAboutTimeIsNotSentAgain() throws Exception {
        stub.headers(() -> Map.of("Codehub-Agent-Time", Long.toString(agentNow().toEpochMilli())));
        stub.answer(seen -> StubAgent.Answer.problem(401, "unauthorized", "token signature is not the hub's"));
        RemoteRuntime runtime = runtime(3);
        assertThatThrownBy(() -> runtime.volumeExists(WS).block(BLOCK)).isInstanceOf(BackendFailureException.class)
                .satisfies(e -> assertThat(((RuntimeProblemException) e).type()).isEqualTo(ProblemType.UNAUTHORIZED))
                .hasMessageContaining("token signature is not the hub's");
        assertThat(stub.seen()).hasSize(1);
    }

    @Test
    void aRefusalForTimeFromAnAgentThatDoesNotStateItsClockIsNotSentAgain() throws Exception {
        stub.answer(seen -> checkedAgainstTheAgentsClock(seen, StubAgent.Answer.json(200, "{\"exists\":true}")));
        RemoteRuntime runtime = runtime(3);
        assertThatThrownBy(() -> runtime.volumeExists(WS).block(BLOCK)).isInstanceOf(BackendFailureException.class)
                .hasMessageContaining("token not valid before");
        assertThat(stub.seen()).hasSize(1);
        assertThat(clocks.offset(AGENT)).isNull();
    }

    @Test
    void aSecondRefusalForTimeIsTheCallersErrorNotAThirdTry() throws Exception {
        // an agent whose stated clock is not the one it checks with: the second try fails too, and that is all
        stub.headers(() -> Map.of("Codehub-Agent-Time", Long.toString(Instant.now().minusSeconds(1).toEpochMilli())));
        stub.answer(seen -> checkedAgainstTheAgentsClock(seen, StubAgent.Answer.json(200, "{\"exists\":true}")));
        RemoteRuntime runtime = runtime(3);
        assertThatThrownBy(() -> runtime.volumeExists(WS).block(BLOCK)).isInstanceOf(BackendFailureException.class)
                .satisfies(e -> assertThat(((RuntimeProblemException) e).type()).isEqualTo(ProblemType.UNAUTHORIZED))
                .hasMessageContaining("token not valid before");
        assertThat(stub.seen()).hasSize(2);
    }

    private static Instant notBefore(StubAgent.Seen seen) throws ParseException {
        return SignedJWT.parse(seen.authorization().substring("Bearer ".length())).getJWTClaimsSet().getNotBeforeTime()
                .toInstant();
    }
}
