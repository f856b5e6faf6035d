package io.codehub.runtime.docker;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import io.codehub.runtime.BackendFailureException;
import io.codehub.runtime.RuntimeProblemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The one way this runtime talks to the engine: every blocking docker-java call runs on a bounded
 * scheduler of {@code maxConcurrentCalls} threads, never on the caller's thread, and fails with an
 * SPI problem exception, never a raw docker-java one.
 */
final class DockerCalls implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DockerCalls.class);
    private static final int MAX_QUEUED_CALLS = 10_000;

    private final DockerClient client;
    private final Scheduler scheduler;
    private final DockerErrors errors;
    private final DockerRuntimeConfig config;

    DockerCalls(DockerRuntimeConfig config) {
        this.config = config;
        this.errors = new DockerErrors(config.dockerHost().toString());
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
        this.client = DockerClientImpl.getInstance(clientConfig, http);
        this.scheduler = Schedulers.newBoundedElastic(config.maxConcurrentCalls(), MAX_QUEUED_CALLS, "codehub-docker", 60,
                true);
    }

    DockerRuntimeConfig config() {
        return config;
    }

    DockerErrors errors() {
        return errors;
    }

    /** {@code body}'s result, computed on the bounded scheduler; a {@code null} result completes empty. */
    <T> Mono<T> call(String operation, String resource, Function<DockerClient, T> body) {
        return Mono.fromCallable(() -> body.apply(client))
                .subscribeOn(scheduler)
                .onErrorMap(error -> translate(error, operation, resource));
    }

    /** Runs {@code body} on the bounded scheduler. */
    Mono<Void> run(String operation, String resource, Consumer<DockerClient> body) {
        return Mono.<Void>fromRunnable(() -> body.accept(client))
                .subscribeOn(scheduler)
                .onErrorMap(error -> translate(error, operation, resource));
    }

    /** Blocking work that is not an engine call (reading archives), on the same bounded scheduler. */
    <T> Mono<T> blocking(Callable<T> body) {
        return Mono.fromCallable(body).subscribeOn(scheduler);
    }

    private Throwable translate(Throwable error, String operation, String resource) {
        RuntimeProblemException problem = errors.translate(error, operation, resource);
        // Unexpected engine errors warn; an unreachable engine is reported to the caller and by
        // health(), so it is not logged once per call. Stack traces only at debug.
        if (problem instanceof BackendFailureException) {
            log.warn("{}", problem.detail());
        }
        if (problem != error) {
            log.debug("{} {} failed", operation, resource, error);
        }
        return problem;
    }

    @Override
    public void close() {
        scheduler.dispose();
        try {
            client.close();
        } catch (IOException e) {
            log.warn("closing the Docker client for {} failed: {}", config.dockerHost(), e.toString());
        }
    }
}
