package io.codehub.tunnel;

import static io.codehub.tunnel.TunnelTestKit.server;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Plain HTTP/1.1 endpoints on the tunnel port, over real loopback sockets. */
@ExtendWith(NoBufferLeaks.class)
class TunnelEndpointIT {

    private final List<TunnelEndpoint.Request> seen = new CopyOnWriteArrayList<>();
    private TunnelServer server;
    private URI base;

    @BeforeEach
    void start() throws Exception {
        server = server("hub")
                .limits(TunnelLimits.defaults().toBuilder().failedAuthBurst(2).build())
                .endpoint("POST", "/v1/echo", 64, request -> {
                    seen.add(request);
                    if (!"good".equals(request.bearerToken())) {
                        return CompletableFuture.completedFuture(TunnelEndpoint.Response.problem(
                                HandshakeProblem.UNAUTHORIZED, "bad key"));
                    }
                    String answer = new String(request.body(), StandardCharsets.UTF_8).toUpperCase();
                    return CompletableFuture.completedFuture(TunnelEndpoint.Response.ok("text/plain",
                            answer.getBytes(StandardCharsets.UTF_8)));
                })
                .build();
        server.start().get(10, TimeUnit.SECONDS);
        base = URI.create("http://127.0.0.1:" + server.localAddress().getPort());
    }

    @AfterEach
    void stop() throws Exception {
        server.close().get(10, TimeUnit.SECONDS);
    }

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersTheRequestWithTheHandlersResponseAndCloses() throws Exception {
        HttpResponse<String> response = send("POST", "/v1/echo?x=1", "good", "hello tunnel");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("HELLO TUNNEL");
        assertThat(response.headers().firstValue("Connection")).hasValue("close");
        assertThat(seen).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.path()).isEqualTo("/v1/echo");
            assertThat(r.remoteAddress().getAddress().isLoopbackAddress()).isTrue();
            assertThat(r.peerCertificates()).isEmpty();
        });
    }

    @Test
    void refusesAnotherMethodAndABodyOverTheCapWithoutCallingTheHandler() throws Exception {
        HttpResponse<String> wrongMethod = send("PUT", "/v1/echo", "good", "x");
        HttpResponse<String> tooLarge = send("POST", "/v1/echo", "good", "x".repeat(65));

        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.body()).contains("urn:codehub:problem:tunnel-method-not-allowed");
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(tooLarge.headers().firstValue("Content-Type")).hasValue(TunnelProtocol.PROBLEM_JSON);
        assertThat(seen).isEmpty();
    }

    @Test
    void refusedCredentialsCountAgainstTheSourceAddress() throws Exception {
        assertThat(send("POST", "/v1/echo", "bad", "x").statusCode()).isEqualTo(401);
        assertThat(send("POST", "/v1/echo", "bad", "x").statusCode()).isEqualTo(401);

        HttpResponse<String> limited = send("POST", "/v1/echo", "good", "x");

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();
        assertThat(seen).hasSize(2);
    }

    @Test
    void otherPathsStillGetTheTunnelsNotFound() throws Exception {
        HttpResponse<String> response = send("POST", "/v1/other", "good", "x");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("tunnel-not-found");
    }
}
