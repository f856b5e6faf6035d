package io.codehub.agent.config;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;

import io.codehub.agent.AgentApplication;
import io.codehub.runtime.HealthStatus;
import io.codehub.runtime.docker.DockerRuntime;
import io.codehub.runtime.docker.DockerRuntimeConfig;
import io.codehub.web.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the Docker runtime from {@link AgentProperties} ({@code CODEHUB_AGENT_RUNTIME=docker}). */
final class DockerRuntimeSetup {

    private static final Logger log = LoggerFactory.getLogger(DockerRuntimeSetup.class);

    private DockerRuntimeSetup() {
    }

    static DockerRuntime create(AgentProperties properties) {
        if (!properties.archiveDir().isAbsolute()) {
            throw new ConfigurationException("CODEHUB_AGENT_ARCHIVE_DIR",
                    "'" + properties.archiveDir() + "' is relative",
                    "Use an absolute directory; job containers bind-mount it from the Docker host.");
        }
        try {
            Files.createDirectories(properties.archiveDir());
        } catch (IOException e) {
            throw new ConfigurationException("CODEHUB_AGENT_ARCHIVE_DIR",
                    "cannot create " + properties.archiveDir() + ": " + e.getMessage(),
                    "Create the directory, or choose one the agent can write.", e);
        }
        AgentProperties.Docker docker = properties.docker();
        URI host;
        try {
            host = URI.create(docker.host());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("CODEHUB_AGENT_DOCKER_HOST", "'" + docker.host() + "' is not a URI",
                    "Use unix:///var/run/docker.sock or tcp://host:port.", e);
        }
        DockerRuntimeConfig config;
        try {
            config = DockerRuntimeConfig.builder()
                    .dockerHost(host)
                    .archiveDir(properties.archiveDir())
                    .jobImage(docker.jobImage())
                    .publishAddress(docker.publishAddress())
                    .network(docker.network())
                    .callTimeout(docker.callTimeout())
                    .jobTimeout(docker.jobTimeout())
                    .maxConcurrentCalls(docker.maxConcurrentCalls())
                    .agentVersion(AgentApplication.version())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("CODEHUB_AGENT_DOCKER_*", e.getMessage(),
                    "Correct the Docker runtime setting named in the message.", e);
        }
        log.info("agent {} drives the Docker engine at {}; archives in {}", properties.id(), host, properties.archiveDir());
        DockerRuntime runtime = new DockerRuntime(config);
        if (config.network() != null) {
            // Readiness reports it too; the log says it once, at start-up, where an operator looks first.
            runtime.health().subscribe(health -> {
                if (health.status() != HealthStatus.UP) {
                    log.warn("CODEHUB_AGENT_DOCKER_NETWORK={}: the Docker runtime is not ready: {}", config.network(),
                            health.detail());
                }
            });
        }
        return runtime;
    }
}
