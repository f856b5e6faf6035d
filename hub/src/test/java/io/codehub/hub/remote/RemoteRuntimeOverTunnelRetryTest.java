package io.codehub.hub.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.codehub.hub.identity.HubKeyStore;
import io.codehub.hub.support.FakeTunnelAgent;
import io.codehub.hub.support.FakeTunnelAgent.Response;
import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.ArchiveRequest;
import io.codehub.runtime.BackendUnavailableException;
import io.codehub.runtime.HealthStatus;
import io.codehub.runtime.JobKind;
import io.codehub.runtime.JobState;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.RestoreRequest;
import io.codehub.runtime.WorkspaceId;
import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.NoBufferLeaks;
import io.codehub.tunnel.TunnelServer;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.spring.TunnelClientHttpConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.codec.json.JacksonJsonDecoder;
import org.springframework.http.codec.json.JacksonJsonEncoder;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * RemoteRuntime over a real tunnel to a scripted agent on 127.0.0.1: what the agent provably never
 * processed (a refused stream, an agent not connected) is retried even for a job start, which is
 * not idempotent; a stream reset after the agent had the request is not; and either way the caller
 * sees the Runtime's {@link BackendUnavailableException}, never a tunnel type.
 */
@ExtendWith(NoBufferLeaks.class)
@Timeout(60)
class RemoteRuntimeOverTunnelRetryTest {

    static final Duration BLOCK = Duration.ofSeconds(20);
    static final String AGENT = "agent-retry";
    static final WorkspaceId WS = WorkspaceId.of("ws1");
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final AtomicReference<Function<FakeTunnelAgent.Request, Response>> ROUTE = new AtomicReference<>();
    static final List<String> CALLS = new CopyOnWriteArrayList<>();

    static TunnelServer server;
    static FakeTunnelAgent agent;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        server = TunnelServer.builder()
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .hubId("test-hub")
                .ioThreads(1)
                .authenticator(request -> CompletableFuture.completedFuture(("chk_" + AGENT + "_s3cr3t")
                        .equals(request.apiKey()) ? AuthDecision.accept(AGENT, null) : AuthDecision.reject(401, "no", null)))
                .build();
        InetSocketAddress port = server.start().get(10, TimeUnit.SECONDS);
        agent = FakeTunnelAgent.start(port, "chk_" + AGENT + "_s3cr3t", request -> {
            CALLS.add(request.method() + " " + request.path());
            return ROUTE.get().apply(request);
        });
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (agent != null) {
                agent.close();
            }
        } finally {
            if (server != null) {
                server.close().get(10, TimeUnit.SECONDS);
            }
        }
    }

    @BeforeEach
    void connected() {
        CALLS.clear();
        await().atMost(BLOCK).until(() -> server.session(AGENT).filter(TunnelSession::isActive).isPresent());
    }

    RemoteRuntime runtime(String agentId, int retries) throws Exception {
        WebClient client = WebClient.builder()
                .baseUrl("tunnel://" + agentId)
                .clientConnector(new TunnelClientHttpConnector(server::session))
                .codecs(c -> {
                    c.defaultCodecs().jacksonJsonDecoder(new JacksonJsonDecoder(JSON));
                    c.defaultCodecs().jacksonJsonEncoder(new JacksonJsonEncoder(JSON));
                })
                .build();
        HubTokenIssuer tokens = new HubTokenIssuer(HubKeyStore.loadOrCreate(dir), Duration.ofMinutes(5),
                Duration.ofMinutes(1), Clock.systemUTC());
        return new RemoteRuntime(agentId, URI.create("tunnel://" + agentId), client, tokens,
                new RemoteCallPolicy(Duration.ofSeconds(5), retries, Duration.ofMillis(10), Duration.ofMillis(50)));
    }

    static Response jobAccepted() {
        JobStatus job = new JobStatus("job-1", JobKind.ARCHIVE, JobState.PENDING, WS,
                ArchiveKey.of("ws1-20260101T000000Z-1a2b3c4d.tar.gz"), null, null, null, Instant.now(), null);
        return Response.json(202, JSON.writeValueAsString(job));
    }

    @Test
    void aStreamTheAgentRefusedIsRetriedEvenForAJobStart() throws Exception {
        ROUTE.set(request -> CALLS.size() == 1 ? Response.refused() : jobAccepted());

        JobStatus job = runtime(AGENT, 3).startArchive(new ArchiveRequest(WS)).block(BLOCK);

        assertThat(job.jobId()).isEqualTo("job-1");
        assertThat(CALLS).containsExactly("POST /jobs/archive", "POST /jobs/archive");
    }

    @Test
    void aStreamResetAfterTheAgentHadItIsNotRetriedForAJobStart() throws Exception {
        ROUTE.set(request -> Response.reset());
        RemoteRuntime runtime = runtime(AGENT, 3);

        assertThatThrownBy(() -> runtime.startArchive(new ArchiveRequest(WS)).block(BLOCK))
                .isInstanceOfSatisfying(BackendUnavailableException.class,
                        e -> assertThat(e.isUnprocessed()).isFalse())
                .hasMessageContaining("agent " + AGENT + " at tunnel://" + AGENT)
                .hasMessageContaining("POST /jobs/archive")
                .hasMessageContaining("INTERNAL_ERROR");
        assertThat(CALLS).hasSize(1);

        byte[] longJson = ("{\"jobId\":\"job-1\",\"padding\":\"" + "x".repeat(64 * 1024) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        ROUTE.set(request -> new Response(202, Map.of("content-type", "application/json"), longJson, 16 * 1024));
        assertThatThrownBy(() -> runtime.startRestore(new RestoreRequest(WS,
                        ArchiveKey.of("ws1-20260101T000000Z-1a2b3c4d.tar.gz"))).block(BLOCK))
                .isInstanceOfSatisfying(BackendUnavailableException.class,
                        e -> assertThat(e.isUnprocessed()).isFalse())
                .hasMessageContaining("the connection broke while it answered POST /jobs/restore");
        assertThat(CALLS).hasSize(2);
    }

    @Test
    void anIdempotentCallIsRetriedAfterAResetAndARefusal() throws Exception {
        ROUTE.set(request -> switch (CALLS.size()) {
            case 1 -> Response.reset();
            case 2 -> Response.refused();
            default -> Response.json(200, "{\"exists\":true}");
        });

        assertThat(runtime(AGENT, 3).volumeExists(WS).block(BLOCK)).isTrue();
        assertThat(CALLS).hasSize(3);
    }

    @Test
    void anAgentThatIsNotConnectedIsUnavailableAndNeverProcessedTheCall() throws Exception {
        RemoteRuntime nobody = runtime("nobody", 2);

        assertThatThrownBy(() -> nobody.startArchive(new ArchiveRequest(WS)).block(BLOCK))
                .isInstanceOfSatisfying(BackendUnavailableException.class, e -> assertThat(e.isUnprocessed()).isTrue())
                .hasMessageContaining("agent nobody is not connected to this hub's tunnel");
        assertThat(nobody.health().block(BLOCK).status()).isEqualTo(HealthStatus.DOWN);
        assertThat(CALLS).isEmpty();
    }
}
