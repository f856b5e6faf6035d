package io.codehub.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.codehub.agent.AgentApplication;
import io.codehub.agent.TestHubKeys;
import io.codehub.agent.auth.HubTokenVerifier;
import io.codehub.web.ConfigurationFailureAnalyzer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Start-up with the public environment variable names, and the failure analysis of bad values.
 * No web server and no Docker call: the runtime is created but never used.
 */
class AgentConfigurationTest {

    @TempDir
    Path dir;

    @Test
    void bindsThePublicEnvironmentVariables() {
        Map<String, Object> env = validEnvironment();
        env.put("CODEHUB_AGENT_DOCKER_HOST", "tcp://127.0.0.1:2375");
        env.put("CODEHUB_AGENT_LISTEN", "127.0.0.1:0");
        try (ConfigurableApplicationContext context = start(env)) {
            AgentProperties properties = context.getBean(AgentProperties.class);
            assertThat(properties.id()).isEqualTo("agent-7");
            assertThat(properties.hubPublicKey()).isEqualTo(dir.resolve("hub-public.pem"));
            assertThat(properties.archiveDir()).isEqualTo(dir.resolve("archives"));
            assertThat(properties.docker().host()).isEqualTo("tcp://127.0.0.1:2375");
            assertThat(properties.runtime()).isEqualTo("docker");
            assertThat(properties.listen()).isEqualTo("127.0.0.1:0");
            assertThat(context.getBean(HubTokenVerifier.class)).isNotNull();
            assertThat(Files.isDirectory(dir.resolve("archives"))).isTrue();
        }
    }

    @Test
    void aMissingAgentIdSaysWhatToSet() {
        Map<String, Object> env = validEnvironment();
        env.remove("CODEHUB_AGENT_ID");
        assertAnalysis(env, "CODEHUB_AGENT_ID: not set", "POST /api/v1/agents");
    }

    @Test
    void anUnreadableHubKeySaysWhatToProvide() throws Exception {
        Map<String, Object> env = validEnvironment();
        env.put("CODEHUB_AGENT_HUB_PUBLIC_KEY", dir.resolve("absent.pem").toString());
        assertAnalysis(env, "CODEHUB_AGENT_HUB_PUBLIC_KEY: cannot use", "BEGIN PUBLIC KEY");
        Files.writeString(dir.resolve("garbage.pem"), "hello");
        env.put("CODEHUB_AGENT_HUB_PUBLIC_KEY", dir.resolve("garbage.pem").toString());
        assertAnalysis(env, "garbage.pem holds no PEM data, expected a PUBLIC KEY", "GET /api/v1/hub");
    }

    @Test
    void anUnsupportedRuntimeOrRelativeArchiveDirIsRefused() {
        Map<String, Object> env = validEnvironment();
        env.put("CODEHUB_AGENT_RUNTIME", "podman");
        assertAnalysis(env, "CODEHUB_AGENT_RUNTIME: 'podman' is not supported", "CODEHUB_AGENT_RUNTIME=docker");
        env = validEnvironment();
        env.put("CODEHUB_AGENT_ARCHIVE_DIR", "relative/archives");
        assertAnalysis(env, "CODEHUB_AGENT_ARCHIVE_DIR: 'relative/archives' is relative", "absolute");
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void startUpReportsTheAnalysis(CapturedOutput output) {
        Map<String, Object> env = validEnvironment();
        env.remove("CODEHUB_AGENT_ID");
        assertThatThrownBy(() -> start(env).close()).isNotNull();
        assertThat(output.getOut() + output.getErr())
                .contains("Invalid configuration: CODEHUB_AGENT_ID: not set")
                .contains("Set CODEHUB_AGENT_ID to the id the hub returned");
    }

    private void assertAnalysis(Map<String, Object> env, String description, String action) {
        assertThatThrownBy(() -> start(env).close()).satisfies(failure -> {
            FailureAnalysis analysis = new ConfigurationFailureAnalyzer().analyze(failure);
            assertThat(analysis).as("analysis of %s", failure).isNotNull();
            assertThat(analysis.getDescription()).contains(description);
            assertThat(analysis.getAction()).contains(action);
        });
    }

    private Map<String, Object> validEnvironment() {
        Map<String, Object> env = new HashMap<>();
        env.put("CODEHUB_AGENT_ID", "agent-7");
        env.put("CODEHUB_AGENT_HUB_PUBLIC_KEY", TestHubKeys.generate().writePublicKey(dir).toString());
        env.put("CODEHUB_AGENT_ARCHIVE_DIR", dir.resolve("archives").toString());
        return env;
    }

    private static ConfigurableApplicationContext start(Map<String, Object> variables) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().addLast(
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        return new SpringApplicationBuilder(AgentApplication.class).environment(environment)
                .web(WebApplicationType.NONE).run();
    }
}
