package io.codehub.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import io.codehub.agent.TestPki;
import io.codehub.agent.config.AgentProperties;
import io.codehub.web.ConfigurationException;
import io.codehub.web.ProblemResponses;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** Start-up checks of the direct listener's TLS settings, each naming the variable to change. */
class DirectListenerTlsConfigurationTest {

    @TempDir
    static Path dir;
    static Path cert;
    static Path key;
    static Path otherKey;

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(DirectListenerTlsConfiguration.class, Beans.class)
            .withPropertyValues("codehub.agent.id=agent-1");

    @BeforeAll
    static void certificates() {
        TestPki pki = TestPki.create(dir.resolve("ca"));
        pki.server().write(dir, "listener");
        pki.server().write(dir, "other");
        cert = dir.resolve("listener-cert.pem");
        key = dir.resolve("listener-key.pem");
        otherKey = dir.resolve("other-key.pem");
    }

    @Test
    void withoutTlsSettingsNothingChanges() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(HubIdentityFilter.class));
    }

    @Test
    void requireWithACaAndAPairAddsTheHubCheck() {
        runner.withPropertyValues("codehub.agent.tls.server-cert=" + cert, "codehub.agent.tls.server-key=" + key,
                "codehub.agent.tls.ca=" + dir.resolve("ca/ca.pem"), "codehub.agent.tls.client-auth=require")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(HubIdentityFilter.class));
    }

    @Test
    void refusesIncompleteOrInconsistentSettings() {
        runner.withPropertyValues("codehub.agent.tls.client-auth=require")
                .run(context -> assertRefused(context, "CODEHUB_AGENT_TLS_CLIENT_AUTH", "CODEHUB_AGENT_TLS_SERVER_CERT"));
        runner.withPropertyValues("codehub.agent.tls.client-auth=optional")
                .run(context -> assertRefused(context, "CODEHUB_AGENT_TLS_CLIENT_AUTH", "require"));
        runner.withPropertyValues("codehub.agent.tls.server-cert=" + cert)
                .run(context -> assertRefused(context, "CODEHUB_AGENT_TLS_SERVER_KEY", "both"));
        runner.withPropertyValues("codehub.agent.tls.server-cert=" + cert, "codehub.agent.tls.server-key=" + otherKey)
                .run(context -> assertRefused(context, "CODEHUB_AGENT_TLS_SERVER_KEY", "issued with"));
        runner.withPropertyValues("codehub.agent.tls.server-cert=" + key, "codehub.agent.tls.server-key=" + key)
                .run(context -> assertRefused(context, "CODEHUB_AGENT_TLS_SERVER_CERT", "certificate chain"));
        runner.withPropertyValues("codehub.agent.tls.server-cert=" + cert, "codehub.agent.tls.server-key=" + key,
                "codehub.agent.tls.client-auth=require")
                .run(context -> assertRefused(context, "CODEHUB_AGENT_TLS_CA", "ca.pem"));
        runner.withPropertyValues("codehub.agent.tls.enroll=true")
                .run(context -> assertRefused(context, "CODEHUB_AGENT_TLS_ENROLL", "CODEHUB_AGENT_HUB_URL"));
    }

    private static void assertRefused(AssertableApplicationContext context, String variable, String action) {
        assertThat(context).hasFailed();
        ConfigurationException failure = null;
        for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
            if (t instanceof ConfigurationException e) {
                failure = e;
            }
        }
        assertThat(failure).as("ConfigurationException in %s", context.getStartupFailure()).isNotNull();
        assertThat(failure.variable()).isEqualTo(variable);
        assertThat(failure.action()).contains(action);
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(AgentProperties.class)
    static class Beans {
        @Bean
        ProblemResponses problemResponses() {
            return new ProblemResponses(JsonMapper.builder().build());
        }
    }
}
