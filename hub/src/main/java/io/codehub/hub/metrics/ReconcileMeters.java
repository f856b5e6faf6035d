package io.codehub.hub.metrics;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.workspaces.ObservedState;
import io.codehub.hub.workspaces.ReconcileObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * {@code codehub_reconcile_steps_seconds}: the reconciler's steps by the observed state they worked
 * on ({@code step}) and {@code outcome} ({@code ok} or {@code failed}), with their duration (made
 * at a step's first use); and {@code codehub_reconcile_step_failures_total} by {@code step}, every
 * step's series there from the start so that an alert on it needs no first failure.
 */
final class ReconcileMeters implements ReconcileObserver {

    private final MeterRegistry registry;
    private final Map<ObservedState, Timer[]> timers = new ConcurrentHashMap<>();
    private final Map<ObservedState, Counter> failures = new EnumMap<>(ObservedState.class);

    ReconcileMeters(MeterRegistry registry) {
        this.registry = registry;
        for (ObservedState step : ObservedState.values()) {
            failures.put(step, Counter.builder("codehub.reconcile.step.failures")
                    .description("Failed reconciler steps by the workspace state they worked on")
                    .tag("step", step.name().toLowerCase(Locale.ROOT))
                    .register(registry));
        }
    }

    @Override
    public void stepTaken(ObservedState step, boolean failed, long nanos) {
        timers.computeIfAbsent(step, s -> new Timer[] {timer(s, "ok"), timer(s, "failed")})[failed ? 1 : 0]
                .record(nanos, TimeUnit.NANOSECONDS);
        if (failed) {
            failures.get(step).increment();
        }
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
