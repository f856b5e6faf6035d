package io.codehub.hub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.codehub.base.Backoff;
import io.codehub.hub.HubApplication;
import io.codehub.hub.support.TestHttp;
import io.codehub.pki.AgentIdentity;
import io.codehub.pki.CertificateAuthority;
import io.codehub.pki.Csrs;
import io.codehub.pki.InitOptions;
import io.codehub.pki.IssuedCertificate;
import io.codehub.pki.KeyType;
import io.codehub.pki.PathValidation;
import io.codehub.pki.Pem;
import io.codehub.pki.RevocationReason;
import io.codehub.tunnel.ConnectorListener;
import io.codehub.tunnel.HandshakeRejectedException;
import io.codehub.tunnel.HubSessionInfo;
import io.codehub.tunnel.TunnelConnector;
import io.codehub.tunnel.TunnelConnectorBuilder;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.TunnelStreamHandler;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * The hub's tunnel port with TLS, client certificates ({@code optional}) and its own CA, on real
 * loopback sockets with real TLS: which certificates get a tunnel, which are refused, revocation
 * through the API and through the CLI's directory cutting live tunnels, enrolment over the
 * tunnel port, and the CA's public files.
 */
@SpringBootTest(classes = HubApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class MutualTlsApiTest {

    static final String ADMIN_TOKEN = "test-admin-token-0123456789";
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static CertificateAuthority ca;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        ca = CertificateAuthority.init(dir.resolve("ca"), new InitOptions(KeyType.EC_P256, "CN=codehub test CA",
                Duration.ofDays(30), null));
        IssuedCertificate server = ca.issueServer(List.of("localhost"), List.of(InetAddress.getLoopbackAddress()),
                Duration.ofDays(1));
        Path cert = dir.resolve("hub-cert.pem");
        Path key = dir.resolve("hub-key.pem");
        Files.writeString(cert, server.chainPem());
        Files.writeString(key, server.privateKeyPem(null));
        registry.add("codehub.hub.data-dir", () -> dir.resolve("data").toString());
        registry.add("codehub.admin.token", () -> ADMIN_TOKEN);
        registry.add("codehub.hub.api-keys.bcrypt-cost", () -> "4");
        registry.add("codehub.hub.health.interval", () -> "1h");
        registry.add("codehub.hub.tunnel.port", () -> "0");
        registry.add("codehub.hub.tunnel.address", () -> "127.0.0.1");
        registry.add("codehub.hub.tunnel.tls-cert", cert::toString);
        registry.add("codehub.hub.tunnel.tls-key", key::toString);
        registry.add("codehub.hub.tunnel.client-auth", () -> "optional");
        registry.add("codehub.hub.pki.dir", () -> dir.resolve("ca").toString());
        registry.add("codehub.hub.pki.check-interval", () -> "1s");
        // Every test here connects from 127.0.0.1 and several are refused on purpose.
        registry.add("codehub.hub.tunnel.failed-auth-burst", () -> "1000");
    }

    @LocalServerPort
    int port;
    @Autowired
    TunnelPort tunnelPort;
    @Autowired
    LiveTunnels tunnels;

    WebTestClient http;
    final List<TunnelConnector> connectors = new CopyOnWriteArrayList<>();

    @BeforeEach
    void client() {
        http = TestHttp.to("http://127.0.0.1:" + port).responseTimeout(WAIT)
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ADMIN_TOKEN).build();
    }

    @AfterEach
    void stopAgents() throws Exception {
        for (TunnelConnector c : connectors) {
            c.stop().get(10, TimeUnit.SECONDS);
        }
    }

    record Registered(String id, String key) {
    }

    Registered register(String auth) {
        JsonNode body = http.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "site", "endpoint", "tunnel://", "type", "docker", "capacity", 2, "auth", auth))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(body.get("agent").get("auth").asString()).isEqualTo(auth);
        return new Registered(body.get("agent").get("id").asString(), body.get("apiKey").asString());
    }

    /** What a connector saw. */
    static final class Seen implements ConnectorListener {
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        final List<String> goAways = new CopyOnWriteArrayList<>();

        @Override
        public void connectFailed(Throwable cause, Duration retryIn) {
            failures.add(cause);
        }

        @Override
        public void goAwayReceived(HubSessionInfo session, String reason) {
            goAways.add(reason);
        }
    }

    TunnelConnector connect(@Nullable String apiKey, @Nullable PrivateKey key, @Nullable List<X509Certificate> chain,
            List<X509Certificate> trust, Seen seen) throws Exception {
        SslContextBuilder tls = SslContextBuilder.forClient().trustManager(trust.toArray(X509Certificate[]::new));
        if (key != null) {
            tls.keyManager(key, chain.toArray(X509Certificate[]::new));
        }
        SslContext context = tls.build();
        TunnelConnectorBuilder builder = TunnelConnector.builder()
                .hubUri(URI.create("tls://127.0.0.1:" + tunnelPort.localAddress().getPort()))
                .tlsServerName("localhost")
                .sslContext(context)
                .agentVersion("mtls-test/1")
                .listener(seen)
                .backoff(Backoff.exponential(Duration.ofMillis(200), Duration.ofSeconds(1)).withFullJitter()
                        .boundedByFailingTime(2))
                .drainJitter(Duration.ofMillis(100))
                .streamHandlerFactory((stream, headers, end) -> new TunnelStreamHandler() {
                    @Override
                    public void onHeaders(Http2Headers h, boolean e) {
                    }

                    @Override
                    public void onData(ByteBuf data, boolean e) {
                        data.release();
                    }
                });
        if (apiKey != null) {
            builder.apiKey(apiKey);
        }
        TunnelConnector connector = builder.build();
        connectors.add(connector);
        connector.start();
        return connector;
    }

    TunnelSession awaitSession(String agentId) {
        return await().atMost(WAIT).until(() -> tunnels.session(agentId).orElse(null), s -> s != null);
    }

    static int rejection(Seen seen) {
        return await().atMost(WAIT).until(() -> seen.failures.stream()
                .filter(HandshakeRejectedException.class::isInstance)
                .map(f -> ((HandshakeRejectedException) f).status()).findFirst().orElse(0), s -> s != 0);
    }

    @Test
    void anMtlsAgentConnectsWithItsCertificateAloneAndTheSessionKnowsIt() throws Exception {
        Registered agent = register("mtls");
        IssuedCertificate issued = ca.issueAgent(agent.id(), Duration.ofDays(1));

        connect(null, issued.privateKey(), issued.chain(), ca.trustBundle(), new Seen());

        TunnelSession session = awaitSession(agent.id());
        assertThat(session.peerCertificates()).isNotEmpty();
        assertThat(AgentIdentity.agentId(session.peerCertificates().get(0))).hasValue(agent.id());
        JsonNode connection = http.get().uri("/api/v1/agents/{id}", agent.id()).exchange().expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody().get("connection");
        assertThat(connection.get("certificate").get("serial").asString())
                .isEqualTo(issued.certificate().getSerialNumber().toString(16).toUpperCase(java.util.Locale.ROOT));
        assertThat(java.time.Instant.parse(connection.get("certificate").get("notAfter").asString()))
                .isEqualTo(issued.certificate().getNotAfter().toInstant());
    }

    @Test
    void anMtlsAgentWithoutItsCertificateIsRefused() throws Exception {
        Registered agent = register("mtls");
        Seen seen = new Seen();

        connect(agent.key(), null, null, ca.trustBundle(), seen);

        assertThat(rejection(seen)).isEqualTo(403);
        assertThat(tunnels.session(agent.id())).isEmpty();
    }

    @Test
    void anApiKeyPlusMtlsAgentNeedsBothAndTheCertificateMustBeItsOwn() throws Exception {
        Registered agent = register("api-key+mtls");
        Registered other = register("api-key+mtls");
        IssuedCertificate othersCertificate = ca.issueAgent(other.id(), Duration.ofDays(1));
        Seen mixed = new Seen();

        connect(agent.key(), othersCertificate.privateKey(), othersCertificate.chain(), ca.trustBundle(), mixed);
        assertThat(rejection(mixed)).isEqualTo(403);
        assertThat(tunnels.session(agent.id())).isEmpty();
        assertThat(tunnels.session(other.id())).isEmpty();

        IssuedCertificate own = ca.issueAgent(agent.id(), Duration.ofDays(1));
        connect(agent.key(), own.privateKey(), own.chain(), ca.trustBundle(), new Seen());
        awaitSession(agent.id());
    }

    @Test
    void aCertificateFromAnotherCaIsRefusedByTheTlsHandshake() throws Exception {
        Registered agent = register("mtls");
        CertificateAuthority rogue = CertificateAuthority.init(dir.resolve("rogue-" + agent.id()),
                new InitOptions(KeyType.EC_P256, "CN=rogue", Duration.ofDays(30), null));
        IssuedCertificate forged = rogue.issueAgent(agent.id(), Duration.ofDays(1));
        Seen seen = new Seen();

        connect(null, forged.privateKey(), forged.chain(), ca.trustBundle(), seen);

        await().atMost(WAIT).until(() -> !seen.failures.isEmpty());
        // The hub's CertificateRequest names only its own CA, so the TLS client does not even offer
        // the rogue certificate: the upgrade then carries no credential at all.
        assertThat(seen.failures.get(0)).isInstanceOfSatisfying(HandshakeRejectedException.class,
                rejected -> assertThat(rejected.status()).isEqualTo(401));
        assertThat(tunnels.session(agent.id())).isEmpty();
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        Registered agent = register("mtls");
        Clock tenDaysAgo = Clock.fixed(Instant.now().minus(Duration.ofDays(10)), ZoneOffset.UTC);
        CertificateAuthority past = CertificateAuthority.open(dir.resolve("ca"), null, tenDaysAgo);
        IssuedCertificate expired = past.issueAgent(agent.id(), Duration.ofDays(1));
        assertThat(expired.certificate().getNotAfter().toInstant()).isBefore(Instant.now());
        Seen seen = new Seen();

        connect(null, expired.privateKey(), expired.chain(), ca.trustBundle(), seen);

        await().atMost(WAIT).until(() -> !seen.failures.isEmpty());
        assertThat(tunnels.session(agent.id())).isEmpty();
    }

    @Test
    void revokingThroughTheApiClosesTheLiveTunnelAndTheCrlListsIt() throws Exception {
        Registered agent = register("mtls");
        IssuedCertificate issued = ca.issueAgent(agent.id(), Duration.ofDays(1));
        Seen seen = new Seen();
        connect(null, issued.privateKey(), issued.chain(), ca.trustBundle(), seen);
        TunnelSession session = awaitSession(agent.id());

        JsonNode revoked = http.post().uri("/api/v1/agents/{id}/certificate/revoke", agent.id())
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("reason", "key-compromise"))
                .exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();

        String serial = issued.certificate().getSerialNumber().toString(16).toUpperCase(java.util.Locale.ROOT);
        assertThat(revoked.get("revoked").findValuesAsString("serial")).contains(serial);
        session.closeFuture().get(5, TimeUnit.SECONDS);
        assertThat(rejection(seen)).as("the agent's reconnects are refused").isEqualTo(403);
        String crl = TestHttp.to("http://127.0.0.1:" + port).build()
                .get().uri("/pki/crl.pem").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(Pem.parseCrls(crl, "crl").stream()
                .anyMatch(c -> c.getRevokedCertificate(issued.certificate().getSerialNumber()) != null)).isTrue();
    }

    @Test
    void aRevocationMadeWithTheCliOnTheSameDirectoryClosesTheTunnelWithinTheCheckInterval() throws Exception {
        Registered agent = register("mtls");
        IssuedCertificate issued = ca.issueAgent(agent.id(), Duration.ofDays(1));
        connect(null, issued.privateKey(), issued.chain(), ca.trustBundle(), new Seen());
        TunnelSession session = awaitSession(agent.id());

        CertificateAuthority cli = CertificateAuthority.open(dir.resolve("ca"), null);
        cli.revoke(issued.certificate().getSerialNumber(), RevocationReason.KEY_COMPROMISE);

        long start = System.nanoTime();
        session.closeFuture().get(30, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void enrolmentSignsACsrForTheAgentWhoseKeyIsPresentedAndNoOther() throws Exception {
        Registered agent = register("api-key");
        Registered other = register("api-key");
        KeyPair keys = Csrs.generateKeyPair();

        HttpResponse<String> issued = enrol(agent.key(), Csrs.csr(agent.id(), keys));
        HttpResponse<String> wrongKey = enrol(agent.key().substring(0, agent.key().length() - 2) + "xx",
                Csrs.csr(agent.id(), keys));
        HttpResponse<String> forAnother = enrol(agent.key(), Csrs.csr(other.id(), keys));
        HttpResponse<String> garbage = enrol(agent.key(), "not a csr");

        assertThat(issued.statusCode()).isEqualTo(200);
        assertThat(issued.headers().firstValue("Content-Type")).hasValue("application/pem-certificate-chain");
        List<X509Certificate> chain = Pem.parseCertificates(issued.body(), "response");
        assertThat(chain.get(0).getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(PathValidation.validateAgent(chain, ca.trustBundle(), List.of(), Clock.systemUTC()))
                .isEqualTo(agent.id());
        assertThat(wrongKey.statusCode()).isEqualTo(401);
        assertThat(forAnother.statusCode()).isEqualTo(403);
        assertThat(forAnother.body()).contains("names agent " + other.id());
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(garbage.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    @Test
    void anMtlsAgentRenewsWithItsCertificateButNotWithItsKey() throws Exception {
        Registered agent = register("mtls");
        IssuedCertificate current = ca.issueAgent(agent.id(), Duration.ofDays(1));
        KeyPair next = Csrs.generateKeyPair();

        HttpResponse<String> byKey = enrol(agent.key(), Csrs.csr(agent.id(), next));
        HttpResponse<String> byCertificate = send(Csrs.csr(agent.id(), next), null, current);

        assertThat(byKey.statusCode()).isEqualTo(403);
        assertThat(byKey.body()).contains("mtls only");
        assertThat(byCertificate.statusCode()).isEqualTo(200);
        assertThat(Pem.parseCertificates(byCertificate.body(), "renewal").get(0).getPublicKey()).isEqualTo(next.getPublic());
    }

    @Test
    void theCaCertificateIsPublic() {
        String pem = TestHttp.to("http://127.0.0.1:" + port).build()
                .get().uri("/pki/ca.pem").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(Pem.parseCertificates(pem, "ca.pem")).containsExactlyElementsOf(ca.trustBundle());
    }

    @Test
    void opensslCompletesAnMtlsHandshakeWithAnAgentCertificate() throws Exception {
        Registered agent = register("mtls");
        IssuedCertificate issued = ca.issueAgent(agent.id(), Duration.ofDays(1));
        Path cert = dir.resolve(agent.id() + "-cert.pem");
        Path key = dir.resolve(agent.id() + "-key.pem");
        Path trust = dir.resolve("trust.pem");
        Files.writeString(cert, issued.chainPem());
        Files.writeString(key, issued.privateKeyPem(null));
        Files.writeString(trust, Pem.encode(ca.trustBundle()));

        Process openssl = new ProcessBuilder("openssl", "s_client", "-connect",
                "127.0.0.1:" + tunnelPort.localAddress().getPort(), "-servername", "localhost",
                "-cert", cert.toString(), "-key", key.toString(), "-CAfile", trust.toString(), "-verify_return_error",
                "-brief").redirectErrorStream(true).start();
        openssl.getOutputStream().close();
        assertThat(openssl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(output).contains("Verification: OK").contains("CONNECTION ESTABLISHED");
        assertThat(openssl.exitValue()).as(output).isZero();
    }

    private HttpResponse<String> enrol(String apiKey, String csr) throws Exception {
        return send(csr, apiKey, null);
    }

    private HttpResponse<String> send(String csr, @Nullable String apiKey, @Nullable IssuedCertificate client)
            throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        for (X509Certificate c : ca.trustBundle()) {
            trust.setCertificateEntry("ca" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManager[] keyManagers = null;
        if (client != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("agent", client.privateKey(), new char[0], client.chain().toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(
                    javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
            keyManagers = kmf.getKeyManagers();
        }
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(keyManagers, tmf.getTrustManagers(), null);
        HttpClient httpClient = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + tunnelPort.localAddress().getPort() + "/v1/certificate"))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/pkcs10")
                .POST(HttpRequest.BodyPublishers.ofString(csr));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        return httpClient.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

}
