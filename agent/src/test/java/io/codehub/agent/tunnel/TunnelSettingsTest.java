package io.codehub.agent.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import io.codehub.agent.TestAgentProperties;
import io.codehub.agent.config.AgentProperties;
import io.codehub.web.ConfigurationException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validation of CODEHUB_AGENT_HUB_URL, CODEHUB_AGENT_API_KEY and CODEHUB_AGENT_TLS_CA. */
class TunnelSettingsTest {

    static final String SECRET = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde";
    static final String KEY = "chk_agent-7_" + SECRET;

    @TempDir
    Path dir;

    @Test
    void noHubUrlMeansNoTunnel() {
        assertThat(TunnelSettings.from(properties("agent-7", null, null, null))).isNull();
        assertThat(TunnelSettings.from(properties("agent-7", "  ", KEY, null))).isNull();
    }

    @Test
    void acceptsTcpAndTlsHubs() throws Exception {
        TunnelSettings tcp = TunnelSettings.from(properties("agent-7", "tcp://127.0.0.1:7443", KEY, null));
        assertThat(tcp).isNotNull();
        assertThat(tcp.hubUri()).isEqualTo(URI.create("tcp://127.0.0.1:7443"));
        assertThat(tcp.toString()).doesNotContain(SECRET);
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        TunnelSettings tls = TunnelSettings.from(properties("agent-7", "tls://hub.example.com:7443", KEY, ca));
        assertThat(tls).isNotNull();
        assertThat(tls.tlsCa()).isEqualTo(ca);
    }

    @Test
    void refusesAHubUrlThatIsNotTcpOrTlsHostPort() {
        for (String url : new String[] {"https://hub:7443", "hub:7443", "tcp://hub", "tls://hub:7443/v1/tunnel",
                "tcp://user@hub:7443", "tcp://hub:7443?x=1", "tcp://[bad"}) {
            assertRefused(properties("agent-7", url, KEY, null), "CODEHUB_AGENT_HUB_URL", "tls://host:port");
        }
    }

    @Test
    void refusesAMissingOrMalformedKeyWithoutEchoingIt() {
        assertRefused(properties("agent-7", "tcp://127.0.0.1:7443", null, null), "CODEHUB_AGENT_API_KEY: not set",
                "chk_<agent id>_<secret>");
        ConfigurationException malformed = assertRefused(
                properties("agent-7", "tcp://127.0.0.1:7443", "chk_agent-7_short", null),
                "CODEHUB_AGENT_API_KEY: not an agent API key", "rotate");
        assertThat(malformed.getMessage()).doesNotContain("short");
    }

    @Test
    void refusesAKeyOfAnotherAgent() {
        ConfigurationException mismatch = assertRefused(properties("agent-8", "tcp://127.0.0.1:7443", KEY, null),
                "CODEHUB_AGENT_API_KEY: belongs to agent 'agent-7', but CODEHUB_AGENT_ID is 'agent-8'", "same registered agent");
        assertThat(mismatch.getMessage()).doesNotContain(SECRET);
    }

    @Test
    void refusesACaForAPlaintextHubOrAnUnreadableCa() {
        assertRefused(properties("agent-7", "tcp://127.0.0.1:7443", KEY, dir.resolve("ca.pem")),
                "CODEHUB_AGENT_TLS_CA: set, but CODEHUB_AGENT_HUB_URL is plaintext", "tls://");
        assertRefused(properties("agent-7", "tls://127.0.0.1:7443", KEY, dir.resolve("absent.pem")),
                "CODEHUB_AGENT_TLS_CA: cannot read", "PEM");
    }

    private static ConfigurationException assertRefused(AgentProperties properties, String message, String action) {
        ConfigurationException failure = catchThrowableOfType(ConfigurationException.class,
                () -> TunnelSettings.from(properties));
        assertThat(failure).as("%s", properties).isNotNull();
        assertThat(failure.getMessage()).contains(message);
        assertThat(failure.action()).contains(action);
        assertThat(failure.getMessage() + failure.action()).doesNotContain(SECRET);
        return failure;
    }

    private static AgentProperties properties(String id, @Nullable String hubUrl, @Nullable String apiKey, @Nullable Path ca) {
        return TestAgentProperties.of(id, hubUrl, apiKey, TestAgentProperties.tlsWithCa(ca));
    }
}
