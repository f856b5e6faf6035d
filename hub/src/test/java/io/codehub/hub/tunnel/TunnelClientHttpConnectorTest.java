package io.codehub.hub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.support.FakeTunnelAgent;
import io.codehub.hub.support.FakeTunnelAgent.Response;
import io.codehub.runtime.UnprocessedRequestException;
import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.NoBufferLeaks;
import io.codehub.tunnel.TunnelServer;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.TunnelStreamException;
import io.codehub.tunnel.spring.AgentNotConnectedException;
import io.codehub.tunnel.spring.TunnelClientHttpConnector;
import io.netty.handler.codec.http2.Http2Error;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The tunnel connector under WebClient, against an in-process tunnel server and a fake agent that
 * dialled it on 127.0.0.1: headers, bodies over 1 MiB both ways, 32 concurrent calls, fail-fast
 * when not connected, resets and cancellation, and no leaked buffer.
 */
@ExtendWith(NoBufferLeaks.class)
class TunnelClientHttpConnectorTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String AGENT = "agent-1";

    static TunnelServer server;
    static FakeTunnelAgent agent;
    static WebClient client;

    @BeforeAll
    static void start() throws Exception {
        server = TunnelServer.builder()
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .hubId("test-hub")
                .ioThreads(1)
                .authenticator(request -> CompletableFuture.completedFuture(
                        ("chk_" + AGENT + "_s3cr3t").equals(request.apiKey())
                                ? AuthDecision.accept(AGENT, null)
                                : AuthDecision.reject(401, "wrong key", null)))
                .build();
        InetSocketAddress port = server.start().get(10, TimeUnit.SECONDS);
        agent = FakeTunnelAgent.start(port, "chk_" + AGENT + "_s3cr3t", TunnelClientHttpConnectorTest::route);
        await().atMost(WAIT).until(() -> server.session(AGENT).isPresent());
        client = WebClient.builder().baseUrl("tunnel://" + AGENT)
                .clientConnector(new TunnelClientHttpConnector(server::session))
                .codecs(c -> c.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
                .build();
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

    static Response route(FakeTunnelAgent.Request request) {
        return switch (request.path().replaceFirst("\\?.*", "")) {
            case "/echo" -> Response.bytes(request.body());
            case "/describe" -> Response.json(200, "{\"method\":\"" + request.method() + "\",\"path\":\"" + request.path()
                    + "\",\"authority\":\"" + request.header(":authority") + "\",\"scheme\":\"" + request.header(":scheme")
                    + "\",\"custom\":\"" + request.header("x-custom") + "\",\"connection\":\"" + request.header("connection")
                    + "\",\"upperCaseNames\":" + request.headers().names().stream()
                            .anyMatch(n -> !n.toString().equals(n.toString().toLowerCase())) + "}");
            case "/big" -> Response.bytes(payload(4 * 1024 * 1024, 7));
            case "/reset" -> Response.reset();
            case "/hang" -> null;
            case "/reset-mid-body" -> Response.resetAfter(payload(1024 * 1024, 3), 64 * 1024);
            case "/problem" -> Response.json(503, "{\"type\":\"urn:codehub:problem:backend-unavailable\",\"status\":503}");
            default -> Response.json(404, "{\"status\":404}");
        };
    }

    @Test
    void requestBecomesOneStreamWithHttp2Headers() {
        @SuppressWarnings("unchecked")
        Map<String, Object> seen = client.get().uri("/describe?prefix={prefix}&x={x}", "ws-1", "a b")
                .header("X-Custom", "value")
                .header(HttpHeaders.CONNECTION, "keep-alive")
                .retrieve().bodyToMono(Map.class).block(WAIT);

        assertThat(seen).containsEntry("method", "GET")
                .containsEntry("path", "/describe?prefix=ws-1&x=a%20b")
                .containsEntry("authority", AGENT)
                .containsEntry("scheme", "http")
                .containsEntry("custom", "value")
                .containsEntry("connection", "null")
                .containsEntry("upperCaseNames", false);
    }

    @Test
    void bodiesOverOneMebibyteTravelBothWays() throws Exception {
        byte[] sent = payload(3 * 1024 * 1024 + 17, 1);
        Flux<DataBuffer> chunks = Flux.range(0, (sent.length + 8191) / 8192).map(i -> DefaultDataBufferFactory.sharedInstance
                .wrap(java.util.Arrays.copyOfRange(sent, i * 8192, Math.min(sent.length, (i + 1) * 8192))));

        byte[] received = client.post().uri("/echo").contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(chunks, DataBuffer.class)
                .retrieve().bodyToMono(byte[].class).block(WAIT);

        assertThat(sha256(received)).isEqualTo(sha256(sent));
        byte[] big = client.get().uri("/big").retrieve().bodyToMono(byte[].class).block(WAIT);
        assertThat(sha256(big)).isEqualTo(sha256(payload(4 * 1024 * 1024, 7)));
    }

    @Test
    void thirtyTwoConcurrentCallsShareTheSession() {
        List<Boolean> results = Flux.range(0, 32)
                .flatMap(i -> {
                    byte[] body = payload(64 * 1024 + i, 100 + i);
                    return client.post().uri("/echo").bodyValue(body).retrieve().bodyToMono(byte[].class)
                            .map(answer -> java.util.Arrays.equals(answer, body));
                }, 32)
                .collectList().block(WAIT);

        assertThat(results).hasSize(32).containsOnly(true);
    }

    @Test
    void anAgentWithoutSessionFailsAtOnce() {
        WebClient nobody = WebClient.builder().baseUrl("tunnel://nobody")
                .clientConnector(new TunnelClientHttpConnector(server::session)).build();
        long started = System.nanoTime();

        StepVerifier.create(nobody.get().uri("/health").retrieve().bodyToMono(String.class))
                .expectErrorSatisfies(e -> {
                    // A transport failure that RemoteRuntime translates; never processed, so safe to retry.
                    assertThat(e).hasRootCauseInstanceOf(AgentNotConnectedException.class);
                    assertThat(e.getCause()).isInstanceOf(UnprocessedRequestException.class)
                            .hasMessage("agent nobody is not connected to this hub's tunnel");
                })
                .verify(Duration.ofSeconds(1));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aResetStreamIsAnError() {
        StepVerifier.create(client.get().uri("/reset").retrieve().bodyToMono(String.class))
                .expectErrorSatisfies(e -> assertThat(e).hasStackTraceContaining("was reset by the peer (INTERNAL_ERROR)")
                        .cause().isInstanceOfSatisfying(TunnelStreamException.class, typed -> {
                            assertThat(typed.error()).isEqualTo(Http2Error.INTERNAL_ERROR);
                            assertThat(typed.isUnprocessed()).isFalse();
                        }))
                .verify(WAIT);
        StepVerifier.create(client.get().uri("/reset-mid-body").retrieve().bodyToMono(byte[].class))
                .expectErrorSatisfies(e -> assertThat(e).cause().isInstanceOf(TunnelStreamException.class)
                        .hasMessageContaining("agent " + AGENT).hasMessageContaining("GET /reset-mid-body")
                        .hasMessageContaining("INTERNAL_ERROR"))
                .verify(WAIT);
    }

    @Test
    void aSessionLostMidCallIsAnError() {
        TunnelSession session = server.session(AGENT).orElseThrow();
        Mono<String> hanging = client.get().uri("/hang").retrieve().bodyToMono(String.class);

        StepVerifier.create(hanging)
                .then(() -> await().atMost(WAIT).until(() -> session.activeStreams() > 0))
                .then(() -> session.close("closed"))
                .expectErrorSatisfies(e -> assertThat(e).hasCauseInstanceOf(TunnelStreamException.class)
                        .hasStackTraceContaining("GET /hang").hasStackTraceContaining("its session closed"))
                .verify(WAIT);
    }

    @BeforeEach
    void connected() {
        await().atMost(WAIT).until(() -> server.session(AGENT).filter(TunnelSession::isActive).isPresent());
    }

    @Test
    void problemAnswersKeepTheirStatusAndBody() {
        StepVerifier.create(client.get().uri("/problem").exchangeToMono(response -> response.bodyToMono(String.class)
                        .map(body -> response.statusCode().value() + " " + body)))
                .expectNext("503 {\"type\":\"urn:codehub:problem:backend-unavailable\",\"status\":503}")
                .verifyComplete();
    }

    @Test
    void cancellingTheBodyResetsTheStreamAndReleasesBuffers() {
        int resetsBefore = agent.resetsReceived();
        List<Integer> sizes = client.get().uri("/big").exchangeToFlux(response -> response.bodyToFlux(DataBuffer.class))
                .take(2)
                .map(buffer -> {
                    int size = buffer.readableByteCount();
                    DataBufferUtils.release(buffer);
                    return size;
                })
                .collectList().block(WAIT);

        assertThat(sizes).hasSize(2);
        await().atMost(WAIT).until(() -> agent.resetsReceived() > resetsBefore);
        // the session survives: the next call works
        assertThat(client.post().uri("/echo").bodyValue("ok".getBytes(StandardCharsets.UTF_8)).retrieve()
                .bodyToMono(String.class).block(WAIT)).isEqualTo("ok");
    }

    @Test
    void cancellingBeforeTheAnswerResetsTheStream() {
        int resetsBefore = agent.resetsReceived();
        Mono<byte[]> slow = client.post().uri("/echo")
                .body(Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(new byte[] {1}))
                        .concatWith(Mono.never()), DataBuffer.class)
                .retrieve().bodyToMono(byte[].class);

        StepVerifier.create(slow).expectSubscription().expectTimeout(Duration.ofMillis(300)).verify(WAIT);

        await().atMost(WAIT).until(() -> agent.resetsReceived() > resetsBefore);
    }

    static byte[] payload(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
