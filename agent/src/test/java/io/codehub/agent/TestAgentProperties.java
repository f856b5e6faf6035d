package io.codehub.agent;

import java.nio.file.Path;
import java.time.Duration;

import io.codehub.agent.config.AgentProperties;
import org.jspecify.annotations.Nullable;

/** {@link AgentProperties} with every default, as bound from an empty environment, for unit tests. */
public final class TestAgentProperties {

    private TestAgentProperties() {
    }

    /** The defaults with an id, a hub URL, an API key and TLS settings. */
    public static AgentProperties of(String id, @Nullable String hubUrl, @Nullable String apiKey, AgentProperties.Tls tls) {
        return new AgentProperties(id, null, null, "docker", Path.of("/tmp/archives"),
                new AgentProperties.Docker("unix:///var/run/docker.sock", "codehub/busybox:local", "127.0.0.1", null,
                        Duration.ofSeconds(30), Duration.ofHours(1), 16),
                new AgentProperties.Auth(Duration.ofSeconds(30), 8192, 10000), 65536, hubUrl, apiKey, tls, null,
                AgentProperties.K8s.defaults());
    }

    /** TLS defaults with a CA file. */
    public static AgentProperties.Tls tlsWithCa(@Nullable Path ca) {
        AgentProperties.Tls d = AgentProperties.Tls.defaults();
        return new AgentProperties.Tls(ca, d.enroll(), d.dir(), d.renewAt(), d.serverCert(), d.serverKey(), d.clientAuth());
    }
}
