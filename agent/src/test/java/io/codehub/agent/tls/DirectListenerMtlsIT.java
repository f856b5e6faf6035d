package io.codehub.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import io.codehub.agent.TestHubKeys;
import io.codehub.agent.TestPki;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The direct listener with {@code CODEHUB_AGENT_TLS_SERVER_CERT}/{@code _KEY} and
 * {@code CODEHUB_AGENT_TLS_CLIENT_AUTH=require}: HTTPS only; the Agent API for the hub's client
 * certificate (with a valid token), 403 for an agent's certificate or none, a failed handshake for a
 * certificate of another CA; the probes open to any HTTPS client.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class DirectListenerMtlsIT {

    static final String AGENT_ID = "agent-direct-tls";
    static final TestHubKeys KEYS = TestHubKeys.generate();
    static final Path ROOT = temporaryDirectory();
    static final TestPki PKI = TestPki.create(ROOT.resolve("ca"));
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        PKI.server().write(ROOT, "listener");
        registry.add("codehub.agent.id", () -> AGENT_ID);
        registry.add("codehub.agent.hub-public-key", () -> KEYS.writePublicKey(ROOT).toString());
        registry.add("codehub.agent.archive-dir", () -> ROOT.resolve("archives").toString());
        registry.add("codehub.agent.tls.server-cert", () -> ROOT.resolve("listener-cert.pem").toString());
        registry.add("codehub.agent.tls.server-key", () -> ROOT.resolve("listener-key.pem").toString());
        registry.add("codehub.agent.tls.client-auth", () -> "require");
        registry.add("codehub.agent.tls.ca", () -> PKI.caPem().toString());
    }

    @AfterAll
    static void cleanUp() throws IOException {
        TestPki.delete(ROOT);
    }

    @Test
    void theHubsCertificateWithAValidTokenGetsThrough() throws Exception {
        HttpClient hub = client(PKI.server());
        assertThat(get(hub, "/health", token()).statusCode()).isEqualTo(200);
        // the certificate does not replace the token
        HttpResponse<String> noToken = get(hub, "/health", null);
        assertThat(noToken.statusCode()).isEqualTo(401);
    }

    @Test
    void anAgentsCertificateOrNoneIsRefusedWith403() throws Exception {
        for (HttpClient other : new HttpClient[] {client(PKI.agent("agent-x")), client(null)}) {
            HttpResponse<String> refused = get(other, "/health", token());
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/problem+json"));
            assertThat(refused.body()).contains("urn:codehub:problem:forbidden").contains("spiffe://codehub/hub");
        }
    }

    @Test
    void aCertificateOfAnotherCaFailsTheHandshake() throws Exception {
        TestPki foreign = TestPki.create(ROOT.resolve("foreign-ca"));
        assertThatThrownBy(() -> get(client(foreign.server()), "/health", token())).isInstanceOf(IOException.class);
    }

    @Test
    void theProbesAnswerAnyHttpsClient() throws Exception {
        HttpClient anyone = client(null);
        assertThat(get(anyone, "/actuator/health/liveness", null).statusCode()).isEqualTo(200);
        assertThat(get(anyone, "/actuator/health/readiness", null).statusCode()).isIn(200, 503);
    }

    private HttpResponse<String> get(HttpClient client, String path, @Nullable String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + port + path)).timeout(TIMEOUT);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String token() {
        return KEYS.token(AGENT_ID, Instant.now().plusSeconds(120));
    }

    /** An HTTPS client trusting the test CA, presenting {@code certificate} when not null. */
    private static HttpClient client(TestPki.@Nullable KeyAndChain certificate) throws Exception {
        Credential credential = certificate == null ? null : new Credential(certificate.key(), certificate.chain());
        return HttpClient.newBuilder()
                .connectTimeout(TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(TlsContexts.enrolment(PKI.trust(), credential))
                .build();
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("agent-direct-tls-it");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
