package io.codehub.hub.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import io.codehub.base.FixedRandom;
import io.codehub.hub.identity.HubIdentity;
import io.codehub.hub.identity.HubKeyStore;
import io.codehub.runtime.ArchiveRequest;
import io.codehub.runtime.BackendFailureException;
import io.codehub.runtime.BackendUnavailableException;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.HealthStatus;
import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.InstanceState;
import io.codehub.runtime.InvalidSpecException;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RuntimeProblemException;
import io.codehub.runtime.Upstream;
import io.codehub.runtime.WorkspaceId;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.codec.json.JacksonJsonDecoder;
import org.springframework.http.codec.json.JacksonJsonEncoder;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/** RemoteRuntime's transport behaviour against a scripted stub agent on loopback. */
class RemoteRuntimeTest {

    private static final Duration BLOCK = Duration.ofSeconds(20);
    private static final String AGENT = "agent-under-test";
    private static final WorkspaceId WS = WorkspaceId.of("ws1");

    @TempDir
    Path dir;

    private StubAgent stub;
    private HubIdentity identity;
    private DirectAgentConnectors connectors;

    @BeforeEach
    void start() throws Exception {
        stub = new StubAgent();
        identity = HubKeyStore.loadOrCreate(dir);
        connectors = new DirectAgentConnectors(Duration.ofSeconds(2));
    }

    @AfterEach
    void stop() {
        stub.close();
        connectors.close();
    }

    private RemoteRuntime runtime(String endpoint, Duration timeout, int retries) {
        JsonMapper json = JsonMapper.builder().build();
        WebClient.Builder clients = WebClient.builder().codecs(c -> {
            c.defaultCodecs().jacksonJsonDecoder(new JacksonJsonDecoder(json));
            c.defaultCodecs().jacksonJsonEncoder(new JacksonJsonEncoder(json));
        });
        HubTokenIssuer tokens = new HubTokenIssuer(identity, Duration.ofMinutes(5), Duration.ofMinutes(1),
                Clock.systemUTC());
        return (RemoteRuntime) new RemoteRuntimes(clients, connectors, tokens,
                new RemoteCallPolicy(timeout, retries, Duration.ofMillis(10), Duration.ofMillis(50), FixedRandom.of(0.5)))
                .runtime(AGENT, URI.create(endpoint));
    }

    @Test
    void sendsTheSpecWithAHubTokenForThisAgentAndReusesIt() throws Exception {
        stub.answer(seen -> StubAgent.Answer.json(200,
                "{\"workspaceId\":\"ws1\",\"state\":\"running\",\"image\":\"codehub/busybox:local\"}"));
        RemoteRuntime runtime = runtime(stub.endpoint(), Duration.ofSeconds(5), 0);
        var status = runtime.startInstance(WS, InstanceSpec.ofImage("codehub/busybox:local")).block(BLOCK);
        assertThat(status.state()).isEqualTo(InstanceState.RUNNING);
        runtime.instanceStatus(WS).block(BLOCK);

        StubAgent.Seen start = stub.seen().get(0);
        assertThat(start.method()).isEqualTo("POST");
        assertThat(start.uri()).isEqualTo("/instances/ws1/start");
        assertThat(start.body()).contains("\"image\":\"codehub/busybox:local\"").contains("\"imagePullPolicy\":\"IfNotPresent\"");
        assertThat(start.authorization()).startsWith("Bearer ");
        SignedJWT token = SignedJWT.parse(start.authorization().substring(7));
        assertThat(token.verify(new ECDSAVerifier(identity.publicKey()))).isTrue();
        assertThat(token.getJWTClaimsSet().getAudience()).containsExactly(AGENT);
        assertThat(stub.seen().get(1).authorization()).isEqualTo(start.authorization());
    }

    @Test
    void encodesPathAndQueryValues() {
        stub.answer(seen -> StubAgent.Answer.json(200, "{\"items\":[]}"));
        RemoteRuntime runtime = runtime(stub.endpoint(), Duration.ofSeconds(5), 0);
        assertThat(runtime.listInstances("a b&c").block(BLOCK)).isEmpty();
        assertThat(stub.seen().get(0).uri()).isEqualTo("/instances?prefix=a%20b%26c");
    }

    @Test
    void asksForTheMainPortWithoutAQueryAndForAnotherPortByNumber() {
        stub.answer(seen -> seen.uri().endsWith("?port=3000")
                ? StubAgent.Answer.json(200, "{\"host\":\"127.0.0.1\",\"port\":49154}")
                : seen.uri().contains("?port=")
                        ? StubAgent.Answer.problem(404, "port-not-exposed", "instance codehub-ws-ws1 does not expose port 3001")
                        : StubAgent.Answer.json(200, "{\"host\":\"127.0.0.1\",\"port\":49153}"));
        RemoteRuntime runtime = runtime(stub.endpoint(), Duration.ofSeconds(5), 3);
        assertThat(runtime.upstream(WS).block(BLOCK)).isEqualTo(new Upstream("127.0.0.1", 49153));
        assertThat(runtime.upstream(WS, 3000).block(BLOCK)).isEqualTo(new Upstream("127.0.0.1", 49154));
        assertProblem(() -> runtime.upstream(WS, 3001).block(BLOCK), NotFoundException.class,
                ProblemType.PORT_NOT_EXPOSED, "does not expose port 3001");
        assertThat(stub.seen()).extracting(StubAgent.Seen::uri).containsExactly("/instances/ws1/upstream",
                "/instances/ws1/upstream?port=3000", "/instances/ws1/upstream?port=3001");
    }

    @Test
    void problemsBecomeTheSpiExceptionsOfTheirType() {
        RemoteRuntime runtime = runtime(stub.endpoint(), Duration.ofSeconds(5), 3);
        stub.answer(seen -> StubAgent.Answer.problem(404, "instance-not-found", "no instance ws1"));
        assertProblem(() -> runtime.upstream(WS).block(BLOCK), NotFoundException.class, ProblemType.INSTANCE_NOT_FOUND,
                "no instance ws1");
        stub.answer(seen -> StubAgent.Answer.problem(409, "volume-in-use", "in use"));
        assertProblem(() -> runtime.deleteVolume(WS).block(BLOCK), ConflictException.class, ProblemType.VOLUME_IN_USE,
                "in use");
        stub.answer(seen -> StubAgent.Answer.problem(400, "invalid-spec", "port: 0"));
        assertProblem(() -> runtime.startInstance(WS, InstanceSpec.ofImage("x")).block(BLOCK),
                InvalidSpecException.class, ProblemType.INVALID_SPEC, "port: 0");
        stub.answer(seen -> StubAgent.Answer.problem(401, "unauthorized", "token expired"));
        assertProblem(() -> runtime.volumeExists(WS).block(BLOCK), BackendFailureException.class,
                ProblemType.UNAUTHORIZED, "refused the hub's token");
        stub.answer(seen -> new StubAgent.Answer(500, "text/html", "<h1>oops</h1>", Duration.ZERO));
        assertProblem(() -> runtime.volumeExists(WS).block(BLOCK), BackendFailureException.class,
                ProblemType.BACKEND_ERROR, "HTTP 500");
        // the agent refusing the hub's client certificate is the hub's set-up, not the API client's 403
        stub.answer(seen -> StubAgent.Answer.problem(403, "forbidden", "no TLS client certificate"));
        assertProblem(() -> runtime.volumeExists(WS).block(BLOCK), BackendFailureException.class,
                ProblemType.BACKEND_ERROR, "HTTP 403 (urn:codehub:problem:forbidden): no TLS client certificate");
        // Stated problems are never retried.
        assertThat(stub.seen()).hasSize(6);
    }

    @Test
    void idempotentCallsAreRetriedAfterA503() {
        AtomicInteger calls = new AtomicInteger();
        stub.answer(seen -> calls.incrementAndGet() < 3
                ? StubAgent.Answer.problem(503, "backend-unavailable", "docker down")
                : StubAgent.Answer.json(200, "{\"exists\":true}"));
        assertThat(runtime(stub.endpoint(), Duration.ofSeconds(5), 3).volumeExists(WS).block(BLOCK)).isTrue();
        assertThat(stub.seen()).hasSize(3);
    }

    @Test
    void anAnswerCutOffMidBodyIsTheAgentBeingUnavailableAndIdempotentCallsRetry() {
        AtomicInteger calls = new AtomicInteger();
        stub.answer(seen -> calls.incrementAndGet() < 2
                ? StubAgent.Answer.cutMidBody("{\"exists\":true,\"padding\":\"" + "x".repeat(4096) + "\"}")
                : StubAgent.Answer.json(200, "{\"exists\":true}"));

        assertThat(runtime(stub.endpoint(), Duration.ofSeconds(5), 3).volumeExists(WS).block(BLOCK)).isTrue();
        assertThat(stub.seen()).hasSize(2);

        stub.answer(seen -> StubAgent.Answer.cutMidBody("{\"exists\":true,\"padding\":\"" + "x".repeat(4096) + "\"}"));
        assertThatThrownBy(() -> runtime(stub.endpoint(), Duration.ofSeconds(5), 0).volumeExists(WS).block(BLOCK))
                .isInstanceOf(io.codehub.runtime.BackendUnavailableException.class)
                .hasMessageContaining("the connection broke while it answered");
    }

    @Test
    void jobStartsAreNeverRetried() {
        stub.answer(seen -> StubAgent.Answer.problem(503, "backend-unavailable", "docker down"));
        assertProblem(() -> runtime(stub.endpoint(), Duration.ofSeconds(5), 3).startArchive(new ArchiveRequest(WS))
                .block(BLOCK), BackendUnavailableException.class, ProblemType.BACKEND_UNAVAILABLE, "docker down");
        assertThat(stub.seen()).hasSize(1);
    }

    @Test
    void aSlowAgentTimesOutNamingTheAgentAndTheCall() {
        stub.answer(seen -> new StubAgent.Answer(200, "application/json", "{\"exists\":true}", Duration.ofSeconds(3)));
        RemoteRuntime runtime = runtime(stub.endpoint(), Duration.ofMillis(300), 1);
        assertProblem(() -> runtime.volumeExists(WS).block(BLOCK), BackendUnavailableException.class,
                ProblemType.BACKEND_UNAVAILABLE, "agent " + AGENT + " at " + stub.endpoint()
                        + " did not answer GET /volumes/ws1/exists within PT0.3S");
        assertThat(stub.seen()).hasSize(2);
    }

    @Test
    void anUnreachableAgentIsUnavailableAndItsHealthDown() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String endpoint = "http://127.0.0.1:" + closedPort;
        RemoteRuntime runtime = runtime(endpoint, Duration.ofSeconds(2), 2);
        assertProblem(() -> runtime.instanceStatus(WS).block(BLOCK), BackendUnavailableException.class,
                ProblemType.BACKEND_UNAVAILABLE, "agent " + AGENT + " at " + endpoint + " cannot be reached");
        var health = runtime.health().block(BLOCK);
        assertThat(health.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(health.detail()).contains(endpoint);
    }

    private static void assertProblem(ThrowableAssert.ThrowingCallable call,
            Class<? extends RuntimeProblemException> exception, ProblemType type, String detail) {
        assertThatThrownBy(call).isInstanceOf(exception)
                .satisfies(e -> assertThat(((RuntimeProblemException) e).type()).isEqualTo(type))
                .hasMessageContaining(detail);
    }
}
