package io.codehub.runtime.docker;

import java.io.IOException;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import io.codehub.runtime.RuntimeProblemException;
import io.codehub.runtime.support.BlockingCalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way this runtime talks to the engine: docker-java calls on the bounded scheduler of
 * {@link BlockingCalls}, failing with SPI problem exceptions made by {@link DockerErrors}, never a
 * raw docker-java one.
 */
final class DockerCalls extends BlockingCalls<DockerClient> {

    private static final Logger log = LoggerFactory.getLogger(DockerCalls.class);

    private final DockerErrors errors;
    private final DockerRuntimeConfig config;

    DockerCalls(DockerRuntimeConfig config) {
        super(newClient(config), "codehub-docker", config.maxConcurrentCalls());
        this.config = config;
        this.errors = new DockerErrors(config.dockerHost().toString());
    }

    private static DockerClient newClient(DockerRuntimeConfig config) {
        DefaultDockerClientConfig clientConfig = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(config.dockerHost().toString())
                .withDockerTlsVerify(false)
                .build();
        DockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.dockerHost())
                .maxConnections(config.maxConcurrentCalls() * 2 + 4)
                .connectionTimeout(config.callTimeout())
                .responseTimeout(config.callTimeout())
                .build();
        return DockerClientImpl.getInstance(clientConfig, http);
    }

    DockerRuntimeConfig config() {
        return config;
    }

    @Override
    protected RuntimeProblemException translate(Throwable error, String operation, String resource) {
        return errors.translate(error, operation, resource);
    }

    @Override
    protected void closeClient() {
        try {
            client().close();
        } catch (IOException e) {
            log.warn("closing the Docker client for {} failed: {}", config.dockerHost(), e.toString());
        }
    }
}
