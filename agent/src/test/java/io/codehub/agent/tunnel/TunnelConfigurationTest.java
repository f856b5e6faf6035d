package io.codehub.agent.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import java.nio.file.Files;
import java.nio.file.Path;

import io.codehub.agent.config.AgentProperties;
import io.codehub.runtime.Runtime;
import io.codehub.web.ConfigurationException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.assertj.AssertableReactiveWebApplicationContext;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The tunnel's wiring: absent without a hub URL, and start-up failures that name the variable. */
class TunnelConfigurationTest {

    static final String KEY = "chk_agent-7_" + "k".repeat(43);

    @TempDir
    Path dir;

    final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
            .withUserConfiguration(TunnelConfiguration.class, Beans.class)
            .withPropertyValues("codehub.agent.id=agent-7");

    @Test
    void withoutAHubUrlThereIsNoTunnel() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(AgentTunnel.class));
        runner.withPropertyValues("codehub.agent.hub-url= ")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(AgentTunnel.class));
    }

    @Test
    void aBadHubUrlOrKeyStopsStartUp() {
        runner.withPropertyValues("codehub.agent.hub-url=https://hub:7443", "codehub.agent.api-key=" + KEY)
                .run(context -> assertRefused(context, "CODEHUB_AGENT_HUB_URL"));
        runner.withPropertyValues("codehub.agent.hub-url=tcp://127.0.0.1:7443", "codehub.agent.api-key=chk_agent-8_" + "k".repeat(43))
                .run(context -> assertRefused(context, "CODEHUB_AGENT_API_KEY"));
    }

    @Test
    void aBadProxyStopsStartUp() {
        runner.withPropertyValues("codehub.agent.hub-url=tcp://127.0.0.1:7443", "codehub.agent.api-key=" + KEY,
                "HTTPS_PROXY=socks5://127.0.0.1:1080")
                .run(context -> assertRefused(context, "HTTPS_PROXY"));
    }

    @Test
    void aCaFileWithoutCertificatesStopsStartUp() throws Exception {
        Path garbage = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
        runner.withPropertyValues("codehub.agent.hub-url=tls://127.0.0.1:7443", "codehub.agent.api-key=" + KEY,
                "codehub.agent.tls.ca=" + garbage)
                .run(context -> assertRefused(context, "CODEHUB_AGENT_TLS_CA"));
    }

    private static void assertRefused(AssertableReactiveWebApplicationContext context, String variable) {
        assertThat(context).hasFailed();
        ConfigurationException failure = configurationException(context.getStartupFailure());
        assertThat(failure).as("ConfigurationException in %s", context.getStartupFailure()).isNotNull();
        assertThat(failure.variable()).isEqualTo(variable);
        assertThat(failure.getMessage() + failure.action()).doesNotContain("k".repeat(43));
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
    }
}
