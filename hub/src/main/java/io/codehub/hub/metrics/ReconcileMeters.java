package io.codehub.hub.metrics;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.workspaces.ObservedState;
import io.codehub.hub.workspaces.ReconcileObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * {@code codehub_reconcile_steps_seconds}: the reconciler's steps by the observed state they worked
 * on ({@code step}) and {@code outcome} ({@code ok} or {@code failed}), with their duration.
 */
final class ReconcileMeters implements ReconcileObserver {

    private final MeterRegistry registry;
    private final Map<ObservedState, Timer[]> timers = new ConcurrentHashMap<>();

    ReconcileMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void stepTaken(ObservedState step, boolean failed, long nanos) {
        timers.computeIfAbsent(step, s -> new Timer[] {timer(s, "ok"), timer(s, "failed")})[failed ? 1 : 0]
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    private Timer timer(ObservedState step, String outcome) {
        return Timer.builder("codehub.reconcile.steps")
                .description("Reconciler steps (one or more Agent API calls and a database update) by the workspace "
                        + "state they worked on, and whether they failed")
                .tag("step", step.name().toLowerCase(Locale.ROOT))
                .tag("outcome", outcome)
                .serviceLevelObjectives(Durations.BUCKETS)
                .register(registry);
    }
}
