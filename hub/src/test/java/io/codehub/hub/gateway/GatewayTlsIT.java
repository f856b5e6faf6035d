package io.codehub.hub.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.GatewayClient;
import io.codehub.hub.support.TestFiles;
import io.codehub.hub.support.TestHub;
import io.codehub.hub.tunnel.TunnelPort;
import io.codehub.pki.CertificateAuthority;
import io.codehub.pki.InitOptions;
import io.codehub.pki.IssuedCertificate;
import io.codehub.pki.KeyType;
import io.codehub.runtime.contract.DockerCli;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.spring.AgentTunnels;
import io.netty.channel.Channel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * The gateway over TLS (a wildcard certificate for the apps domain, from the project's own CA), to
 * a workspace behind a tunnel: the access link sets the {@code __Host-} cookie with
 * {@code Secure}, and a keep-alive TLS connection serves request after request after it moved to
 * the tunnel's event loop with its TLS state. Real hub, real agent process, real container.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GatewayTlsIT {

    private static final String ADMIN_TOKEN = "gateway-tls-admin-token-0123456789abcdef";
    private static final Duration CONVERGE = Duration.ofSeconds(120);

    private static Path dir;
    private static ConfigurableApplicationContext hub;
    private static WebTestClient api;
    private static AgentProcess agent;
    private static SSLContext trustingTheCa;
    private static CertificateAuthority ca;
    private static Path cert;
    private static Path key;
    private static int gatewayPort;
    private static String workspace;

    @BeforeAll
    static void startHubWithATlsGatewayAndATunnelledWorkspace() throws Exception {
        dir = Files.createTempDirectory("gateway-tls-it");
        ca = CertificateAuthority.init(dir.resolve("ca"), new InitOptions(KeyType.EC_P256,
                "CN=gateway tls test", Duration.ofDays(30), null));
        IssuedCertificate wildcard = ca.issueServer(List.of("*.apps.localhost"), List.of(), Duration.ofDays(1));
        cert = dir.resolve("gateway-cert.pem");
        key = dir.resolve("gateway-key.pem");
        Files.writeString(cert, wildcard.chainPem());
        Files.writeString(key, wildcard.privateKeyPem(null));
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        trustingTheCa = SSLContext.getInstance("TLS");
        trustingTheCa.init(null, trustManagers.getTrustManagers(), null);

        hub = TestHub.start(dir.resolve("hub"), ADMIN_TOKEN, "codehub.hub.reconciler.interval", "500ms",
                "codehub.hub.reconciler.poll-interval", "200ms", "codehub.hub.gateway.tls-cert", cert.toString(),
                "codehub.hub.gateway.tls-key", key.toString(), "codehub.hub.gateway.tls-check-interval", "300ms");
        api = TestHub.adminClient(hub, ADMIN_TOKEN);
        gatewayPort = hub.getBean(GatewayServer.class).localAddress().getPort();
        int tunnelPort = hub.getBean(TunnelPort.class).localAddress().getPort();
        String publicKeyPem = get("/api/v1/hub").get("publicKeyPem").asString();

        JsonNode registered = api.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "behind-nat", "endpoint", "tunnel://", "type", "docker", "capacity", 2))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        String agentId = registered.get("agent").get("id").asString();
        agent = AgentProcess.start(agentId, AgentProcess.freePort(), publicKeyPem, dir.resolve("agent"),
                Map.of("CODEHUB_AGENT_HUB_URL", "tcp://127.0.0.1:" + tunnelPort,
                        "CODEHUB_AGENT_API_KEY", registered.get("apiKey").asString()));
        await().atMost(CONVERGE).until(() -> get("/api/v1/agents/" + agentId).get("status").asString(), "active"::equals);
        workspace = api.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "gw-tls", "image", "codehub/sample-workspace:local",
                        "imagePullPolicy", "Never", "agentId", agentId))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody()
                .get("id").asString();
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250))
                .until(() -> get("/api/v1/workspaces/" + workspace).get("state").asString(), "RUNNING"::equals);
    }

    @AfterAll
    static void stopEverything() {
        try {
            if (hub != null) {
                hub.close();
            }
        } finally {
            if (agent != null) {
                agent.close();
            }
            if (workspace != null) {
                DockerCli.removeWorkspaces(workspace);
            }
            TestFiles.deleteRecursively(dir);
        }
    }

    @Test
    void anAccessLinkOverTlsSetsASecureHostCookieAndAKeepAliveTlsConnectionServesTheTunnelledApp() throws Exception {
        String host = workspace + ".apps.localhost";
        URI link = URI.create(api.post().uri("/api/v1/workspaces/" + workspace + "/access")
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"subject\":\"tester\"}").exchange()
                .expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody().get("url").asString());
        assertThat(link.getScheme()).isEqualTo("https");

        String signIn;
        try (SSLSocket socket = open(host)) {
            signIn = GatewayClient.exchange(socket, "GET " + link.getRawPath() + "?" + link.getRawQuery()
                    + " HTTP/1.1\r\nHost: " + host
                    + "\r\n\r\n");
        }
        assertThat(signIn).startsWith("HTTP/1.1 302");
        String setCookie = signIn.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("set-cookie:")).findFirst()
                .orElseThrow().substring("set-cookie:".length()).trim();
        assertThat(setCookie).startsWith("__Host-").contains("Secure").contains("HttpOnly");
        String cookie = GatewayClient.cookieOf(setCookie);

        String hello = "GET /hello HTTP/1.1\r\nHost: " + host + "\r\nCookie: " + cookie + "\r\n\r\n";
        // The container runs; its app takes a moment more to listen.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
            try (SSLSocket socket = open(host)) {
                return GatewayClient.exchange(socket, hello).startsWith("HTTP/1.1 200");
            }
        });
        try (SSLSocket socket = open(host)) {
            for (int i = 0; i < 3; i++) {
                assertThat(GatewayClient.exchange(socket, hello)).startsWith("HTTP/1.1 200");
            }
            int localPort = socket.getLocalPort();
            Channel connection = hub.getBean(GatewayServer.class).connections().stream()
                    .filter(ch -> ch.remoteAddress() instanceof InetSocketAddress remote && remote.getPort() == localPort)
                    .findFirst().orElseThrow();
            TunnelSession session = hub.getBean(AgentTunnels.class).session(agent.agentId()).orElseThrow();
            assertThat(connection.eventLoop()).isSameAs(session.eventLoop());
            assertThat(GatewayClient.exchange(socket, hello)).as("still served after the checks").startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void aCertificateRenewedInPlaceServesNewConnectionsAndABrokenRenewalKeepsTheLastOne() throws Exception {
        String host = workspace + ".apps.localhost";
        BigInteger before = serialServedTo(host);
        IssuedCertificate renewed = ca.issueServer(List.of("*.apps.localhost"), List.of(), Duration.ofDays(2));
        assertThat(renewed.certificate().getSerialNumber()).isNotEqualTo(before);
        try (SSLSocket open = open(host)) {
            // The key first, then the chain, as a renewal tool writes them: every look sees files in use.
            Files.writeString(key, renewed.privateKeyPem(null));
            Files.writeString(cert, renewed.chainPem());
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> serialServedTo(host), renewed.certificate().getSerialNumber()::equals);
            assertThat(((X509Certificate) open.getSession().getPeerCertificates()[0]).getSerialNumber())
                    .as("an open connection keeps its certificate").isEqualTo(before);
        }

        // A half-written renewal (a chain without its end) is not taken: the last good one stays.
        Files.writeString(cert, renewed.chainPem().substring(0, renewed.chainPem().length() / 2));
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos(); // several looks at the files
        while (System.nanoTime() < deadline) {
            assertThat(serialServedTo(host)).isEqualTo(renewed.certificate().getSerialNumber());
        }
        Files.writeString(cert, renewed.chainPem());
    }

    private static BigInteger serialServedTo(String host) throws Exception {
        try (SSLSocket socket = open(host)) {
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    /** A TLS connection to the gateway that checks the certificate against the CA and the host name. */
    private static SSLSocket open(String host) throws Exception {
        SSLSocket socket = (SSLSocket) trustingTheCa.getSocketFactory().createSocket("127.0.0.1", gatewayPort);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(host)));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }


    private static JsonNode get(String path) {
        return api.get().uri(path).exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
    }
}
