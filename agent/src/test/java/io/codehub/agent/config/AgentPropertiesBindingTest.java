package io.codehub.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The public interface is the environment: {@code CODEHUB_AGENT_TLS_*} bind to {@link AgentProperties.Tls},
 * {@code CODEHUB_AGENT_DOCKER_*} to {@link AgentProperties.Docker}.
 */
class AgentPropertiesBindingTest {

    @Test
    void bindsTheTlsVariables() {
        AgentProperties properties = bind(Map.of(
                "CODEHUB_AGENT_ID", "agent-1",
                "CODEHUB_AGENT_TLS_CA", "/etc/codehub/ca.pem",
                "CODEHUB_AGENT_TLS_ENROLL", "true",
                "CODEHUB_AGENT_TLS_DIR", "/srv/tls",
                "CODEHUB_AGENT_TLS_RENEW_AT", "0.5",
                "CODEHUB_AGENT_TLS_SERVER_CERT", "/etc/codehub/agent-cert.pem",
                "CODEHUB_AGENT_TLS_SERVER_KEY", "/etc/codehub/agent-key.pem",
                "CODEHUB_AGENT_TLS_CLIENT_AUTH", "require"));
        assertThat(properties.tls()).isEqualTo(new AgentProperties.Tls(Path.of("/etc/codehub/ca.pem"), true,
                Path.of("/srv/tls"), 0.5, Path.of("/etc/codehub/agent-cert.pem"), Path.of("/etc/codehub/agent-key.pem"),
                "require"));
    }

    @Test
    void defaultsWithoutTlsVariables() {
        assertThat(bind(Map.of("CODEHUB_AGENT_ID", "agent-1")).tls()).isEqualTo(AgentProperties.Tls.defaults());
    }

    @Test
    void bindsTheDockerNetworkUnsetByDefault() {
        assertThat(bind(Map.of("CODEHUB_AGENT_ID", "agent-1", "CODEHUB_AGENT_DOCKER_NETWORK", "codehub-site-workspaces"))
                .docker().network()).isEqualTo("codehub-site-workspaces");
        assertThat(bind(Map.of("CODEHUB_AGENT_ID", "agent-1")).docker().network()).isNull();
    }

    private static AgentProperties bind(Map<String, Object> variables) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        return Binder.get(environment).bind("codehub.agent", AgentProperties.class).get();
    }
}
