package io.codehub.hub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.TestFiles;
import io.codehub.hub.support.TestHttp;
import io.codehub.hub.support.TestHub;
import io.codehub.pki.AgentIdentity;
import io.codehub.pki.CertificateAuthority;
import io.codehub.pki.InitOptions;
import io.codehub.pki.IssuedCertificate;
import io.codehub.pki.KeyType;
import io.codehub.pki.Pem;
import io.codehub.tunnel.TunnelSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * mTLS end to end with real processes: the hub (this JVM) with its CA, TLS and client certificates
 * on its tunnel port; a real agent process that enrols over the tunnel port with its API key,
 * stores its key and certificate (0600), then presents the certificate on its tunnel; the hub
 * reaches it through that tunnel with the agent's {@code auth} moved to {@code mtls}; and a
 * revocation through the API cuts the live tunnel and keeps it cut.
 */
class MutualTlsAgentIT {

    private static final String ADMIN_TOKEN = "mtls-admin-token-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static Path dir;
    private static ConfigurableApplicationContext hub;
    private static WebTestClient http;
    private static AgentProcess agent;
    private static String agentId;
    private static Path tlsDir;

    @BeforeAll
    static void startHubAndAgent() throws Exception {
        dir = Files.createTempDirectory("mtls-it");
        CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), new InitOptions(KeyType.EC_P256,
                "CN=mtls-it CA", Duration.ofDays(30), null));
        IssuedCertificate server = ca.issueServer(List.of("localhost"), List.of(InetAddress.getLoopbackAddress()),
                Duration.ofDays(1));
        Path cert = Files.writeString(dir.resolve("hub-cert.pem"), server.chainPem());
        Path key = Files.writeString(dir.resolve("hub-key.pem"), server.privateKeyPem(null));
        Path trust = Files.writeString(dir.resolve("ca.pem"), Pem.encode(ca.trustBundle()));
        hub = TestHub.start(dir.resolve("hub"), ADMIN_TOKEN, "codehub.hub.health.interval", "1s",
                "codehub.hub.tunnel.tls-cert", cert.toString(), "codehub.hub.tunnel.tls-key", key.toString(),
                "codehub.hub.tunnel.client-auth", "optional", "codehub.hub.pki.dir", dir.resolve("ca").toString(),
                "codehub.hub.pki.check-interval", "2s");
        int port = ((WebServerApplicationContext) hub).getWebServer().getPort();
        http = TestHttp.to("http://127.0.0.1:" + port).responseTimeout(WAIT)
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ADMIN_TOKEN).build();

        JsonNode registered = http.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "site-a", "endpoint", "tunnel://", "type", "docker", "capacity", 2))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        agentId = registered.get("agent").get("id").asString();
        String apiKey = registered.get("apiKey").asString();
        String publicKeyPem = get("/api/v1/hub").get("publicKeyPem").asString();
        int tunnelPort = hub.getBean(TunnelPort.class).localAddress().getPort();
        tlsDir = dir.resolve("agent-tls");
        agent = AgentProcess.start(agentId, AgentProcess.freePort(), publicKeyPem, dir.resolve("agent"), Map.of(
                "CODEHUB_AGENT_HUB_URL", "tls://localhost:" + tunnelPort,
                "CODEHUB_AGENT_API_KEY", apiKey,
                "CODEHUB_AGENT_TLS_CA", trust.toString(),
                "CODEHUB_AGENT_TLS_ENROLL", "true",
                "CODEHUB_AGENT_TLS_DIR", tlsDir.toString()));
    }

    @AfterAll
    static void stop() {
        try {
            if (agent != null) {
                agent.close();
            }
        } finally {
            if (hub != null) {
                hub.close();
            }
            TestFiles.deleteRecursively(dir);
        }
    }

    private static JsonNode get(String path) {
        return http.get().uri(path).exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
    }

    private static String connectionState() {
        return get("/api/v1/agents/" + agentId).get("connection").get("state").asString();
    }

    @Test
    void theAgentEnrolsThenPresentsItsCertificateAndARevocationCutsItsTunnel() throws Exception {
        LiveTunnels tunnels = hub.getBean(LiveTunnels.class);
        TunnelSession session = await().atMost(WAIT).until(() -> tunnels.session(agentId)
                .filter(s -> !s.peerCertificates().isEmpty()).orElse(null), s -> s != null);

        X509Certificate presented = session.peerCertificates().get(0);
        assertThat(AgentIdentity.agentId(presented)).hasValue(agentId);
        Path keyFile = tlsDir.resolve("agent-key.pem");
        Path certFile = tlsDir.resolve("agent-cert.pem");
        assertThat(Files.getPosixFilePermissions(keyFile)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE);
        assertThat(Pem.readCertificates(certFile).get(0)).isEqualTo(presented);

        http.patch().uri("/api/v1/agents/{id}", agentId).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("auth", "mtls")).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.auth").isEqualTo("mtls");
        await().atMost(WAIT).until(() -> get("/api/v1/agents/" + agentId).get("status").asString(), "active"::equals);
        assertThat(connectionState()).isEqualTo("connected");

        http.post().uri("/api/v1/agents/{id}/certificate/revoke", agentId).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.revoked[0].serial")
                .isEqualTo(presented.getSerialNumber().toString(16).toUpperCase(java.util.Locale.ROOT));

        session.closeFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        // The agent dials again with its revoked certificate (and, auth being mtls, nothing else
        // would do): every attempt is refused, so it stays disconnected.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).pollInterval(Duration.ofMillis(100))
                .until(() -> tunnels.session(agentId).isEmpty());
        assertThat(connectionState()).isEqualTo("disconnected");
        assertThat(Set.of("api-key", "mtls", "api-key+mtls")).contains(get("/api/v1/agents/" + agentId).get("auth").asString());
    }
}
