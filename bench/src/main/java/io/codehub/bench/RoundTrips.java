package io.codehub.bench;

import java.util.Arrays;

/**
 * The round trips of one sequential latency measure: up to {@code warmup} unrecorded round trips
 * (or {@code limitNanos}, whichever ends first), then recorded ones until {@code maxSamples} or
 * another {@code limitNanos}. Event loop only.
 */
final class RoundTrips {

    private final int warmup;
    private final long limitNanos;
    private final long[] samples;
    private int count;
    private int warmed;
    private boolean warming = true;
    private long sentAt;
    /** The end of the current phase (warm-up, then measurement). */
    private long phaseEnd;

    RoundTrips(int warmup, int maxSamples, long limitNanos) {
        this.warmup = warmup;
        this.limitNanos = limitNanos;
        this.samples = new long[maxSamples];
    }

    /** The warm-up starts now. */
    void start() {
        phaseEnd = System.nanoTime() + limitNanos;
    }

    /** A round trip starts now. */
    void sent() {
        sentAt = System.nanoTime();
    }

    /** The round trip ended now; false when the measure is over (no more round trips). */
    boolean answered() {
        long now = System.nanoTime();
        if (warming) {
            if (++warmed >= warmup || now >= phaseEnd) {
                warming = false;
                phaseEnd = now + limitNanos;
            }
            return true;
        }
        samples[count++] = now - sentAt;
        return count < samples.length && now < phaseEnd;
    }

    /** The recorded round trips in nanoseconds, sorted. */
    long[] sorted() {
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        return sorted;
    }
}
