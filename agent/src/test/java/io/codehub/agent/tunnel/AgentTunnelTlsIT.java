package io.codehub.agent.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;

import io.codehub.agent.TestHubKeys;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** A {@code tls://} hub whose certificate the agent trusts through {@code CODEHUB_AGENT_TLS_CA}. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class AgentTunnelTlsIT {

    static final String AGENT_ID = "agent-tn-tls";
    static final String API_KEY = "chk_" + AGENT_ID + "_" + "t".repeat(43);
    static final TestHubKeys KEYS = TestHubKeys.generate();
    static final SelfSignedCertificate CERTIFICATE = certificate();
    static final FakeHub HUB = new FakeHub(AGENT_ID, API_KEY, serverTls());

    @TempDir
    static Path dir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("codehub.agent.id", () -> AGENT_ID);
        registry.add("codehub.agent.hub-public-key", () -> KEYS.writePublicKey(dir).toString());
        registry.add("codehub.agent.archive-dir", () -> dir.resolve("archives").toString());
        registry.add("codehub.agent.hub-url", HUB::tlsUrl);
        registry.add("codehub.agent.api-key", () -> API_KEY);
        registry.add("codehub.agent.tls.ca", () -> CERTIFICATE.certificate().getAbsolutePath());
    }

    @AfterAll
    static void stopHub() throws Exception {
        try {
            HUB.close();
        } finally {
            CERTIFICATE.delete();
        }
    }

    @Test
    void servesTheAgentApiOverATlsTunnel() throws Exception {
        FakeHub.Reply health = HUB.send("GET", "/health",
                "Bearer " + KEYS.token(AGENT_ID, Instant.now().plusSeconds(60)), null, null, false);
        assertThat(health.status()).as("%s", health).isEqualTo(200);
        assertThat(health.json().get("runtime").asString()).isEqualTo("docker");
    }

    private static SelfSignedCertificate certificate() {
        try {
            return SelfSignedCertificate.builder().fqdn("localhost").build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static SslContext serverTls() {
        try {
            return SslContextBuilder.forServer(CERTIFICATE.key(), CERTIFICATE.cert()).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
