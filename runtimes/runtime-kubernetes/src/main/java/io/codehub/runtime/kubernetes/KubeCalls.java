package io.codehub.runtime.kubernetes;

import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;

import io.codehub.runtime.BackendFailureException;
import io.codehub.runtime.RuntimeProblemException;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The one way this runtime talks to the API server: every blocking fabric8 call runs on a bounded
 * scheduler of {@code maxConcurrentCalls} threads, never on the caller's thread, and fails with
 * an SPI problem exception, never a raw fabric8 one. It also holds the namespace every call is
 * confined to.
 */
final class KubeCalls implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KubeCalls.class);
    private static final int MAX_QUEUED_CALLS = 10_000;

    private final KubernetesClient client;
    private final String namespace;
    private final KubernetesRuntimeConfig config;
    private final KubeErrors errors;
    private final Scheduler scheduler;

    KubeCalls(KubernetesClient client, String namespace, KubernetesRuntimeConfig config) {
        this.client = client;
        this.namespace = namespace;
        this.config = config;
        this.errors = new KubeErrors(client.getMasterUrl() + " (namespace " + namespace + ")");
        this.scheduler = Schedulers.newBoundedElastic(config.maxConcurrentCalls(), MAX_QUEUED_CALLS, "codehub-kube", 60,
                true);
    }

    KubernetesClient client() {
        return client;
    }

    String namespace() {
        return namespace;
    }

    KubernetesRuntimeConfig config() {
        return config;
    }

    KubeErrors errors() {
        return errors;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    /** {@code body}'s result, computed on the bounded scheduler; a {@code null} result completes empty. */
    <T> Mono<T> call(String operation, String resource, Function<KubernetesClient, T> body) {
        return Mono.fromCallable(() -> body.apply(client))
                .subscribeOn(scheduler)
                .onErrorMap(error -> translate(error, operation, resource));
    }

    /** Runs {@code body} on the bounded scheduler. */
    Mono<Void> run(String operation, String resource, Consumer<KubernetesClient> body) {
        return Mono.<Void>fromRunnable(() -> body.accept(client))
                .subscribeOn(scheduler)
                .onErrorMap(error -> translate(error, operation, resource));
    }

    /** Blocking work that is not an API call, on the same bounded scheduler. */
    <T> Mono<T> blocking(Callable<T> body) {
        return Mono.fromCallable(body).subscribeOn(scheduler);
    }

    RuntimeProblemException translate(Throwable error, String operation, String resource) {
        RuntimeProblemException problem = errors.translate(error, operation, resource);
        // Unexpected API errors warn; an unreachable server is reported to the caller and by
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
        client.close();
    }
}
