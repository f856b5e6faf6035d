package io.codehub.agent.tunnel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

import io.codehub.runtime.InstanceState;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.Runtime;
import io.codehub.tunnel.UpstreamPolicy;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The CONNECT policy: a stream may reach {@code host:port} only when it is the upstream of a port
 * a running instance this agent manages exposes (its main port or one of its additional ports),
 * exactly as {@code GET /instances/{id}/upstream[?port=N]} reports it.
 *
 * <h2>Cache</h2>
 * {@link UpstreamPolicy#allows} runs on an event loop, so it answers from a snapshot of the
 * upstreams ({@code listInstances("")}, then {@code upstream(id, port)} for every port each running
 * instance's status lists, calls that run on the runtime's own bounded scheduler). The snapshot is
 * refreshed every {@code refreshInterval}, and on demand when a target is missing from it ({@link #refresh()},
 * concurrent callers share one refresh). A snapshot older than {@code maxAge} allows nothing,
 * so an instance deleted while refreshes fail is not reachable for long.
 */
final class ManagedUpstreams implements UpstreamPolicy {

    private static final Logger log = LoggerFactory.getLogger(ManagedUpstreams.class);
    private static final int CONCURRENT_LOOKUPS = 4;

    private record Snapshot(Set<String> targets, long takenAtNanos) {
    }

    private final Runtime runtime;
    private final Duration refreshInterval;
    private final long maxAgeNanos;
    private final long minRefreshSpacingNanos;
    private final LongSupplier nanoTime;
    private final Scheduler scheduler;
    private final AtomicReference<@Nullable Mono<Snapshot>> inFlight = new AtomicReference<>();
    private volatile @Nullable Snapshot snapshot;
    private volatile boolean failing;
    private volatile @Nullable Disposable periodic;

    ManagedUpstreams(Runtime runtime, Duration refreshInterval, Duration maxAge, Duration minRefreshSpacing,
            Scheduler scheduler, LongSupplier nanoTime) {
        if (maxAge.compareTo(refreshInterval) <= 0) {
            throw new IllegalArgumentException("maxAge: " + maxAge + " (expected: > refreshInterval " + refreshInterval + ")");
        }
        this.runtime = runtime;
        this.refreshInterval = refreshInterval;
        this.maxAgeNanos = maxAge.toNanos();
        this.minRefreshSpacingNanos = minRefreshSpacing.toNanos();
        this.scheduler = scheduler;
        this.nanoTime = nanoTime;
    }

    @Override
    public boolean allows(String host, int port) {
        Snapshot s = snapshot;
        return s != null && nanoTime.getAsLong() - s.takenAtNanos() < maxAgeNanos && s.targets().contains(key(host, port));
    }

    /** Whether a refresh now would tell nothing new: the snapshot was taken moments ago. */
    boolean recentlyRefreshed() {
        Snapshot s = snapshot;
        return s != null && nanoTime.getAsLong() - s.takenAtNanos() < minRefreshSpacingNanos;
    }

    /** Refreshes the snapshot (joining a refresh in flight); completes when it is in place. */
    Mono<Void> refresh() {
        while (true) {
            Mono<Snapshot> current = inFlight.get();
            if (current != null) {
                return current.then();
            }
            Mono<Snapshot> created = load()
                    .doOnNext(s -> {
                        snapshot = s;
                        if (failing) {
                            failing = false;
                            log.info("CONNECT policy: upstreams known again ({} upstreams)", s.targets().size());
                        }
                    })
                    .doOnError(this::refreshFailed)
                    .doFinally(signal -> inFlight.set(null))
                    .cache();
            if (inFlight.compareAndSet(null, created)) {
                return created.then();
            }
        }
    }

    /** Starts the periodic refresh. */
    void start() {
        periodic = Flux.interval(Duration.ZERO, refreshInterval, scheduler)
                .onBackpressureDrop()
                .concatMap(tick -> refresh().onErrorResume(e -> Mono.empty()), 0)
                .subscribe();
    }

    void stop() {
        Disposable p = periodic;
        if (p != null) {
            p.dispose();
        }
    }

    private Mono<Snapshot> load() {
        return runtime.listInstances("")
                .flatMapMany(Flux::fromIterable)
                .filter(instance -> instance.state() == InstanceState.RUNNING)
                .flatMap(instance -> Flux.fromIterable(exposedPorts(instance))
                        .map(port -> runtime.upstream(instance.workspaceId(), port)
                                // Gone, stopped or recreated between the calls: not an upstream.
                                .onErrorResume(e -> Mono.empty())))
                .flatMap(upstream -> upstream, CONCURRENT_LOOKUPS)
                .map(upstream -> key(upstream.host(), upstream.port()))
                .collect(Collectors.toUnmodifiableSet())
                .map(targets -> new Snapshot(targets, nanoTime.getAsLong()));
    }

    private void refreshFailed(Throwable error) {
        if (!failing) {
            failing = true;
            log.warn("CONNECT policy: cannot list this agent's instances ({}); CONNECT streams are refused "
                    + "once the last list is {} s old", error.toString(), maxAgeNanos / 1_000_000_000L);
        }
    }

    /** The container ports the instance exposes: its main port, then its additional ones. */
    private static List<Integer> exposedPorts(InstanceStatus instance) {
        List<Integer> ports = new ArrayList<>(instance.ports().size() + 1);
        if (instance.port() != null) {
            ports.add(instance.port());
        }
        ports.addAll(instance.ports());
        return ports;
    }

    private static String key(String host, int port) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.toLowerCase(Locale.ROOT) + " " + port;
    }
}
