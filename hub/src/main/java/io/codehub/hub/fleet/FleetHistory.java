package io.codehub.hub.fleet;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

import io.codehub.base.Checks;
import org.jspecify.annotations.Nullable;

/**
 * The last {@code window} of {@link FleetSample}s, one every {@code interval}, oldest first. Memory
 * is bounded by {@code window / interval} samples (360 by default); older samples are dropped. A
 * hub restart starts an empty history. Thread-safe.
 */
public final class FleetHistory {

    private final Supplier<Collection<@Nullable Duration>> rtts;
    private final Clock clock;
    private final Duration interval;
    private final int capacity;
    private final Deque<FleetSample> samples;

    /**
     * A history fed by {@code rtts}: the last keepalive round-trip time of every live tunnel
     * session (null for a session that has not measured one yet).
     */
    public FleetHistory(Supplier<Collection<@Nullable Duration>> rtts, Clock clock, Duration interval,
            Duration window) {
        Checks.positive("interval", interval);
        Checks.positive("window", window);
        if (window.compareTo(interval) < 0) {
            throw new IllegalArgumentException("window: " + window + " (expected: >= interval " + interval + ")");
        }
        this.rtts = rtts;
        this.clock = clock;
        this.interval = interval;
        this.capacity = Math.toIntExact(window.toMillis() / interval.toMillis());
        this.samples = new ArrayDeque<>(capacity);
    }

    /** Takes a sample now and keeps it, dropping the oldest past the window. */
    public FleetSample sample() {
        List<Double> millis = new ArrayList<>();
        int connected = 0;
        for (Duration rtt : rtts.get()) {
            connected++;
            if (rtt != null) {
                millis.add(rtt.toNanos() / 1_000_000.0);
            }
        }
        millis.sort(null);
        FleetSample sample = new FleetSample(clock.instant(), connected, median(millis),
                millis.isEmpty() ? null : millis.get(millis.size() - 1));
        synchronized (samples) {
            if (samples.size() == capacity) {
                samples.removeFirst();
            }
            samples.addLast(sample);
        }
        return sample;
    }

    /** The samples kept, oldest first. */
    public List<FleetSample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    /** How often a sample is taken. */
    public Duration interval() {
        return interval;
    }

    /** How many samples are kept at most. */
    public int capacity() {
        return capacity;
    }

    private static @Nullable Double median(List<Double> sorted) {
        int n = sorted.size();
        if (n == 0) {
            return null;
        }
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
