package io.codehub.agent.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.codehub.agent.TestHubKeys;
import io.codehub.agent.TestPki;
import io.codehub.pki.AgentIdentity;
import io.codehub.pki.Pem;
import io.codehub.tunnel.TunnelEndpoint;
import io.codehub.tunnel.TunnelSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Enrolment and renewal against a hub that speaks the enrolment contract ({@link EnrolmentHub}): the
 * agent starts with an empty {@code CODEHUB_AGENT_TLS_DIR}, enrols with its API key, presents the
 * certificate on the tunnel, and renews it before expiry while calls flow, without a failed call.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentEnrolmentIT {

    static final String AGENT_ID = "agent-enrol";
    static final String API_KEY = "chk_" + AGENT_ID + "_" + "e".repeat(43);
    static final TestHubKeys KEYS = TestHubKeys.generate();
    static final Path ROOT = temporaryDirectory();
    static final Path TLS_DIR = ROOT.resolve("tls");
    static final TestPki PKI = TestPki.create(ROOT.resolve("ca"));
    static final Duration VALIDITY = Duration.ofSeconds(60);
    /** The CA backdates notBefore by 5 minutes, so renewing 15 s after issue is at (300 + 15) / 360 of the period. */
    static final double RENEW_AT = 315.0 / 360;
    static final EnrolmentHub HUB = new EnrolmentHub(PKI, AGENT_ID, API_KEY, VALIDITY);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("codehub.agent.id", () -> AGENT_ID);
        registry.add("codehub.agent.hub-public-key", () -> KEYS.writePublicKey(ROOT).toString());
        registry.add("codehub.agent.archive-dir", () -> ROOT.resolve("archives").toString());
        registry.add("codehub.agent.hub-url", HUB::tlsUrl);
        registry.add("codehub.agent.api-key", () -> API_KEY);
        registry.add("codehub.agent.tls.ca", () -> PKI.caPem().toString());
        registry.add("codehub.agent.tls.enroll", () -> "true");
        registry.add("codehub.agent.tls.dir", TLS_DIR::toString);
        registry.add("codehub.agent.tls.renew-at", () -> Double.toString(RENEW_AT));
    }

    @AfterAll
    static void stopHub() throws Exception {
        try {
            HUB.close();
        } finally {
            TestPki.delete(ROOT);
        }
    }

    @Test
    @Order(1)
    void enrolsWithTheApiKeyAndPresentsTheCertificateOnTheTunnel() throws Exception {
        TunnelEndpoint.Request first = HUB.enrolments.get(0);
        assertThat(first.bearerToken()).isEqualTo(API_KEY);
        assertThat(first.peerCertificates()).isEmpty();
        assertThat(first.contentType()).isEqualTo("application/pkcs10");
        String csr = new String(first.body(), StandardCharsets.US_ASCII);
        assertThat(csr).contains("BEGIN CERTIFICATE REQUEST").doesNotContain("PRIVATE KEY");

        // the key exists in one place only: agent-key.pem, 0600, next to its chain (0600 too)
        try (Stream<Path> files = Files.list(TLS_DIR)) {
            assertThat(files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()))
                    .isEqualTo(Set.of("agent-key.pem", "agent-cert.pem"));
        }
        for (String name : List.of("agent-key.pem", "agent-cert.pem")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(TLS_DIR.resolve(name))))
                    .as(name).isEqualTo("rw-------");
        }
        assertThat(Files.readString(TLS_DIR.resolve("agent-key.pem"))).contains("BEGIN PRIVATE KEY");
        X509Certificate stored = storedCertificate();
        assertThat(AgentIdentity.agentId(stored)).contains(AGENT_ID);

        // the tunnel presents it: the hub's session carries that certificate
        TunnelSession session = await().atMost(FakeHub.WAIT).until(() -> HUB.hub.server().session(AGENT_ID).orElse(null),
                s -> s != null && serial(s.peerCertificates()).equals(stored.getSerialNumber().toString(16)));
        assertThat(session.isActive()).isTrue();
        assertThat(HUB.handshakes).anyMatch(h -> serial(h.peerCertificates()).equals(stored.getSerialNumber().toString(16)));
        assertThat(health().status()).isEqualTo(200);
    }

    @Test
    @Order(2)
    void renewsBeforeExpiryAndMovesTheTunnelWithoutAFailedCall() throws Exception {
        X509Certificate before = storedCertificate();
        String oldSerial = before.getSerialNumber().toString(16);
        TunnelSession oldSession = await().atMost(FakeHub.WAIT).until(
                () -> HUB.hub.server().session(AGENT_ID).orElse(null),
                s -> s != null && serial(s.peerCertificates()).equals(oldSerial));
        int enrolmentsBefore = HUB.enrolments.size();

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread caller = new Thread(() -> {
                while (running.get()) {
                    try {
                        FakeHub.Reply reply = health();
                        if (reply.status() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add(reply.toString());
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }, "caller-" + i);
            caller.start();
            callers.add(caller);
        }
        try {
            // renewal is due about 15 s after the last certificate was issued
            TunnelSession newSession = await().atMost(Duration.ofSeconds(60)).until(
                    () -> HUB.hub.server().session(AGENT_ID).orElse(null),
                    s -> s != null && !serial(s.peerCertificates()).isEmpty() && !serial(s.peerCertificates()).equals(oldSerial));
            assertThat(newSession.sessionId()).isNotEqualTo(oldSession.sessionId());
            assertThat(serial(newSession.peerCertificates())).isEqualTo(storedCertificate().getSerialNumber().toString(16));
            // the old session was replaced and closed once its streams were done
            oldSession.closeFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
            int okAtSwitch = ok.get();
            await().atMost(FakeHub.WAIT).until(() -> ok.get() > okAtSwitch + 20);
        } finally {
            running.set(false);
            for (Thread caller : callers) {
                caller.join(FakeHub.WAIT.toMillis());
            }
        }
        assertThat(failures).as("failed calls").isEmpty();
        assertThat(ok.get()).isGreaterThan(40);

        // the renewal was authenticated with the current certificate and the API key
        TunnelEndpoint.Request renewal = HUB.enrolments.get(enrolmentsBefore);
        assertThat(serial(renewal.peerCertificates())).isEqualTo(oldSerial);
        assertThat(renewal.bearerToken()).isEqualTo(API_KEY);
        assertThat(storedCertificate().getNotAfter()).isAfter(before.getNotAfter());
        System.out.printf("renewal: %d calls ok, 0 failed, %d streams reopened on the new session%n", ok.get(),
                HUB.hub.unopenedStreams());
    }

    private static FakeHub.Reply health() throws Exception {
        return HUB.hub.send("GET", "/health", "Bearer " + KEYS.token(AGENT_ID, Instant.now().plusSeconds(300)), null,
                null, false);
    }

    private static X509Certificate storedCertificate() {
        return Pem.readCertificates(TLS_DIR.resolve("agent-cert.pem")).get(0);
    }

    private static String serial(List<X509Certificate> chain) {
        return chain.isEmpty() ? "" : chain.get(0).getSerialNumber().toString(16);
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("agent-enrol-it");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
