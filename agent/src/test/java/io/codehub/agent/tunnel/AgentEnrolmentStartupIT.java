package io.codehub.agent.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.mock;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.codehub.agent.TestPki;
import io.codehub.agent.config.AgentProperties;
import io.codehub.pki.Pem;
import io.codehub.runtime.Runtime;
import io.codehub.web.ConfigurationException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.assertj.AssertableReactiveWebApplicationContext;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.server.WebHandler;
import reactor.core.publisher.Mono;

/**
 * Start-up with {@code CODEHUB_AGENT_TLS_*}: what stops it (a refused API key, another agent's
 * certificate, a key that is not the certificate's, half a pair) with a message naming the variable,
 * and what does not (an unreachable hub: enrolment goes on in the background).
 */
class AgentEnrolmentStartupIT {

    static final String AGENT_ID = "agent-start";
    static final String SECRET = "s".repeat(43);
    static final String API_KEY = "chk_" + AGENT_ID + "_" + SECRET;

    @TempDir
    static Path root;
    static TestPki pki;
    static EnrolmentHub hub;

    @TempDir
    Path tlsDir;

    @BeforeAll
    static void startHub() {
        pki = TestPki.create(root.resolve("ca"));
        hub = new EnrolmentHub(pki, AGENT_ID, API_KEY, Duration.ofHours(1));
    }

    @AfterAll
    static void stopHub() throws Exception {
        hub.close();
    }

    private ReactiveWebApplicationContextRunner runner(String hubUrl, String apiKey) {
        return new ReactiveWebApplicationContextRunner()
                .withUserConfiguration(TunnelConfiguration.class, Beans.class)
                .withPropertyValues("codehub.agent.id=" + AGENT_ID, "codehub.agent.hub-url=" + hubUrl,
                        "codehub.agent.api-key=" + apiKey, "codehub.agent.tls.ca=" + pki.caPem(),
                        "codehub.agent.tls.enroll=true", "codehub.agent.tls.dir=" + tlsDir);
    }

    @Test
    void aRefusedApiKeyStopsStartUpNamingTheKeyAndTheHubsDetail() {
        int before = hub.enrolments.size();
        runner(hub.tlsUrl(), "chk_" + AGENT_ID + "_" + "w".repeat(43)).run(context -> {
            ConfigurationException failure = assertRefused(context, "CODEHUB_AGENT_API_KEY");
            assertThat(failure.getMessage()).contains("401").contains("unknown API key or certificate");
            assertThat(failure.getMessage() + failure.action()).doesNotContain("w".repeat(43));
        });
        assertThat(hub.enrolments).hasSize(before + 1);
        assertThat(tlsDir).isEmptyDirectory();
    }

    @Test
    void anotherAgentsCertificateStopsStartUp() {
        pki.agent("agent-other").write(tlsDir, "agent");
        runner(hub.tlsUrl(), API_KEY).run(context -> assertThat(assertRefused(context, "CODEHUB_AGENT_TLS_DIR").getMessage())
                .contains("names agent 'agent-other', but CODEHUB_AGENT_ID is '" + AGENT_ID + "'"));
    }

    @Test
    void aKeyThatIsNotTheCertificatesStopsStartUp() {
        TestPki.KeyAndChain mine = pki.agent(AGENT_ID);
        TestPki.KeyAndChain other = pki.agent(AGENT_ID);
        new TestPki.KeyAndChain(other.key(), mine.chain()).write(tlsDir, "agent");
        runner(hub.tlsUrl(), API_KEY).run(context -> assertThat(assertRefused(context, "CODEHUB_AGENT_TLS_DIR").getMessage())
                .contains("is not the key of the certificate"));
    }

    @Test
    void halfAPairOrGarbageStopsStartUp() throws Exception {
        Pem.writePublic(tlsDir.resolve("agent-cert.pem"), Pem.encode(pki.agent(AGENT_ID).chain()));
        runner(hub.tlsUrl(), API_KEY).run(context -> assertThat(assertRefused(context, "CODEHUB_AGENT_TLS_DIR").getMessage())
                .contains("agent-cert.pem but no agent-key.pem"));
        Files.writeString(tlsDir.resolve("agent-key.pem"), "not a key\n");
        runner(hub.tlsUrl(), API_KEY).run(context -> assertRefused(context, "CODEHUB_AGENT_TLS_DIR"));
    }

    @Test
    void aPlaintextHubWithEnrolmentStopsStartUp() {
        runner("tcp://127.0.0.1:7443", API_KEY).withPropertyValues("codehub.agent.tls.ca=")
                .run(context -> assertRefused(context, "CODEHUB_AGENT_TLS_ENROLL"));
    }

    @Test
    void anUnreachableHubDoesNotStopStartUp() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        runner("tls://localhost:" + closedPort, API_KEY).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(AgentTunnel.class);
            assertThat(tlsDir).isEmptyDirectory();
        });
    }

    @Test
    void aStoredValidCertificateNeedsNoEnrolmentAndIsPresented() {
        TestPki.KeyAndChain issued = pki.agent(AGENT_ID);
        issued.write(tlsDir, "agent");
        int before = hub.enrolments.size();
        runner(hub.tlsUrl(), API_KEY).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(AgentTunnel.class);
            awaitSessionWith(issued);
        });
        assertThat(hub.enrolments).hasSize(before);
    }

    @Test
    void anOutOfBandCertificateAloneAuthenticatesTheTunnel() {
        TestPki.KeyAndChain issued = pki.agent(AGENT_ID);
        issued.write(tlsDir, "agent");
        int handshakes = hub.handshakes.size();
        new ReactiveWebApplicationContextRunner()
                .withUserConfiguration(TunnelConfiguration.class, Beans.class)
                .withPropertyValues("codehub.agent.id=" + AGENT_ID, "codehub.agent.hub-url=" + hub.tlsUrl(),
                        "codehub.agent.tls.ca=" + pki.caPem(), "codehub.agent.tls.dir=" + tlsDir)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    awaitSessionWith(issued);
                });
        assertThat(hub.handshakes.subList(handshakes, hub.handshakes.size()))
                .isNotEmpty()
                .allSatisfy(h -> assertThat(h.apiKey()).isNull());
    }

    private static void awaitSessionWith(TestPki.KeyAndChain issued) {
        await().atMost(FakeHub.WAIT).until(() -> hub.hub.server().session(AGENT_ID)
                .filter(s -> !s.peerCertificates().isEmpty()
                        && s.peerCertificates().get(0).getSerialNumber().equals(issued.chain().get(0).getSerialNumber()))
                .isPresent());
    }

    private static ConfigurationException assertRefused(AssertableReactiveWebApplicationContext context, String variable) {
        assertThat(context).hasFailed();
        ConfigurationException failure = configurationException(context.getStartupFailure());
        assertThat(failure).as("ConfigurationException in %s", context.getStartupFailure()).isNotNull();
        assertThat(failure.variable()).isEqualTo(variable);
        assertThat(failure.getMessage() + failure.action()).doesNotContain(SECRET);
        return failure;
    }

    private static @Nullable ConfigurationException configurationException(@Nullable Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConfigurationException e) {
                return e;
            }
        }
        return null;
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(AgentProperties.class)
    static class Beans {
        @Bean
        Runtime runtime() {
            return mock(Runtime.class);
        }

        /** What the tunnel serves; these tests only look at how it connects. */
        @Bean
        WebHandler webHandler() {
            return exchange -> Mono.empty();
        }
    }
}
