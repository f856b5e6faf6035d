package io.codehub.hub.metrics;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.codehub.hub.agents.AgentStatus;
import io.codehub.hub.schedule.Periodic;
import io.codehub.hub.workspaces.ObservedState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;

/**
 * Agents by status and workspaces by observed state, counted in the database every
 * {@code refreshInterval} with one {@code GROUP BY} query each; the gauges read the last count, so a
 * burst of scrapes (several Prometheus servers, a dashboard) never reaches the database. Every
 * status and state has its series from the start (zero until counted), so an alert on one exists
 * before it first happens.
 */
final class FleetGauges implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(FleetGauges.class);

    private final DatabaseClient db;
    private final Duration refreshInterval;
    private final MeterRegistry registry;
    private final Map<String, AtomicLong> agents = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> workspaces = new ConcurrentHashMap<>();
    private volatile Disposable refreshing = Disposables.disposed();

    FleetGauges(DatabaseClient db, Duration refreshInterval, MeterRegistry registry) {
        this.db = db;
        this.refreshInterval = refreshInterval;
        this.registry = registry;
        for (AgentStatus status : AgentStatus.values()) {
            gauge(agents, "codehub.agents", "status", status.wire(), "Registered agents by status");
        }
        for (ObservedState state : ObservedState.values()) {
            gauge(workspaces, "codehub.workspaces", "state", state.name().toLowerCase(Locale.ROOT),
                    "Workspaces by observed state");
        }
    }

    private static String label(@Nullable String value, boolean lowerCase) {
        String label = String.valueOf(value);
        return lowerCase ? label.toLowerCase(Locale.ROOT) : label;
    }

    private AtomicLong gauge(Map<String, AtomicLong> counts, String name, String tag, String value,
            String description) {
        return counts.computeIfAbsent(value, v -> {
            AtomicLong count = new AtomicLong();
            Gauge.builder(name, count, AtomicLong::get).description(description).tag(tag, v).register(registry);
            return count;
        });
    }

    @Override
    public void start() {
        refreshing = Periodic.every(Duration.ZERO, refreshInterval, this::refresh,
                e -> log.warn("cannot count agents and workspaces for the metrics: {}", e.toString()));
    }

    @Override
    public void stop() {
        refreshing.dispose();
    }

    @Override
    public boolean isRunning() {
        return !refreshing.isDisposed();
    }

    /** Counts both tables once. */
    Mono<Void> refresh() {
        return count("SELECT status AS k, COUNT(*) AS n FROM agents GROUP BY status", agents, "codehub.agents",
                "status", "Registered agents by status", false)
                .then(count("SELECT observed_state AS k, COUNT(*) AS n FROM workspaces GROUP BY observed_state",
                        workspaces, "codehub.workspaces", "state", "Workspaces by observed state", true));
    }

    private Mono<Void> count(String sql, Map<String, AtomicLong> counts, String name, String tag, String description,
            boolean lowerCase) {
        return db.sql(sql)
                .map((row, meta) -> Map.entry(label(row.get("k", String.class), lowerCase),
                        ((Number) row.get("n", Number.class)).longValue()))
                .all()
                .collectMap(Map.Entry::getKey, Map.Entry::getValue)
                .doOnNext(found -> {
                    found.keySet().forEach(value -> gauge(counts, name, tag, value, description));
                    counts.forEach((value, count) -> count.set(found.getOrDefault(value, 0L)));
                })
                .then();
    }
}
