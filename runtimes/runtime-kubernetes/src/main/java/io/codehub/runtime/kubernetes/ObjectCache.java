package io.codehub.runtime.kubernetes;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;

import io.codehub.runtime.BackendUnavailableException;
import io.codehub.runtime.support.ManagedNames;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The managed objects of one kind in the namespace, as a {@link SharedIndexInformer} keeps them:
 * one list and then a watch, never a polling loop. Reads are served from this cache; a writer
 * waits with {@link #await} until the cache reflects its own write, so that a read after a write
 * sees it.
 *
 * <h2>Lifecycle</h2>
 * The informer starts on first use, not at construction, so a runtime can be created while the
 * API server is down. When its first list fails, or it stops for good, the next use starts a
 * fresh one; once started, a broken watch is re-established by fabric8 itself.
 */
final class ObjectCache<T extends HasMetadata> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ObjectCache.class);

    private final String kind;
    private final KubeCalls calls;
    private final Function<KubernetesClient, Informable<T>> source;
    /** Names of objects that changed; each waiter filters for its own. */
    private final Sinks.Many<String> changes = Sinks.many().multicast().directBestEffort();
    private @Nullable SharedIndexInformer<T> informer;
    private @Nullable CompletableFuture<Void> started;
    private volatile boolean closed;

    ObjectCache(String kind, KubeCalls calls, Function<KubernetesClient, Informable<T>> source) {
        this.kind = kind;
        this.calls = calls;
        this.source = source;
    }

    /** Completes once the cache has synced with the server; fails with a problem when it cannot. */
    Mono<Void> ready() {
        return Mono.defer(() -> Mono.fromCompletionStage(start()))
                .timeout(calls.config().callTimeout(), Mono.error(() -> new BackendUnavailableException(
                        "Kubernetes API: the " + kind + " in namespace " + calls.namespace() + " could not be listed within "
                                + calls.config().callTimeout(), null)))
                .onErrorMap(error -> calls.problem(error, "watch", kind + " labelled " + ManagedNames.MANAGED));
    }

    /** The cached object named {@code name}, or {@code null}. Call after {@link #ready()}. */
    @Nullable T get(String name) {
        SharedIndexInformer<T> current = current();
        return current == null ? null : current.getIndexer().getByKey(calls.namespace() + "/" + name);
    }

    /** Every cached object. Call after {@link #ready()}. */
    List<T> list() {
        SharedIndexInformer<T> current = current();
        return current == null ? List.of() : current.getIndexer().list();
    }

    /**
     * The cached state of {@code name} once {@code condition} holds for it (the object, or
     * {@code null} when absent); fails with {@link BackendUnavailableException} after {@code timeout}.
     * Event-driven: it re-checks only when the informer reports a change of that object.
     */
    Mono<Optional<T>> await(String name, Predicate<@Nullable T> condition, Duration timeout, String waitingFor) {
        return ready().then(Flux.merge(changes.asFlux().filter(name::equals), Mono.just(name))
                .map(changed -> Optional.ofNullable(get(name)))
                .filter(state -> condition.test(state.orElse(null)))
                .next()
                .timeout(timeout, Mono.error(() -> new BackendUnavailableException("Kubernetes API: " + waitingFor
                        + " (" + kind + " " + name + ") did not happen within " + timeout, null))));
    }

    private synchronized @Nullable SharedIndexInformer<T> current() {
        return informer;
    }

    private synchronized CompletableFuture<Void> start() {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the runtime is closed"));
        }
        if (informer != null && started != null) {
            boolean failed = started.isCompletedExceptionally() || (started.isDone() && !informer.isRunning());
            if (!failed) {
                return started;
            }
            informer.stop();
            log.info("restarting the informer of {} after it stopped", kind);
        }
        SharedIndexInformer<T> fresh = source.apply(calls.client()).runnableInformer(0);
        fresh.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T object) {
                changed(object);
            }

            @Override
            public void onUpdate(T previous, T object) {
                changed(object);
            }

            @Override
            public void onDelete(T object, boolean finalStateUnknown) {
                changed(object);
            }
        });
        // Before the first sync a failure stops this informer (the next use starts a fresh one and the
        // caller hears why); after it, fabric8 keeps re-establishing the watch.
        fresh.exceptionHandler((isStarted, error) -> {
            log.debug("informer of {} failed (started: {})", kind, isStarted, error);
            return isStarted && !closed;
        });
        informer = fresh;
        started = fresh.start().toCompletableFuture();
        return started;
    }

    private void changed(T object) {
        // Callbacks arrive one at a time per informer; a replaced informer may briefly overlap its
        // successor, hence the (short) busy loop rather than a silent drop.
        changes.emitNext(object.getMetadata().getName(), Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (informer != null) {
            informer.stop();
        }
        changes.tryEmitComplete();
    }
}
