package io.codehub.base;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

/**
 * How long to wait before a retry: an immutable value, the one backoff policy of codehub. Each
 * place that retries keeps its own count of failures and asks this value for the delay.
 *
 * <h2>Ceiling</h2>
 * Before retry {@code n} ({@code n = 0} before the first retry) the ceiling is
 * {@code min(cap, base × multiplier^n)}. It never overflows, whatever {@code n}: past the cap it
 * stays the cap. With {@link #boundedByFailingTime(int) boundedByFailingTime(k)} the ceiling is in
 * addition never more than {@code max(base, k × t)}, where {@code t} is how long the caller has
 * been failing: a caller whose first tries all failed within a short outage then waits in
 * proportion to that outage instead of running up to the cap (the agent's reconnect,
 * {@code docs/tunnel-protocol.md} §7.3). Over a long outage the bound is the plain exponential.
 *
 * <h2>Jitter</h2>
 * <ul>
 * <li>{@link Jitter#NONE}: the delay is the ceiling.
 * <li>{@link Jitter#FULL}: uniform in {@code [0, ceiling)}; spreads callers that failed at the same
 *     instant (a fleet of agents after a hub restart) over the whole window.
 * <li>{@link Jitter#PROPORTIONAL} with ratio {@code r}: uniform in
 *     {@code [ceiling × (1 − r), ceiling × (1 + r))} narrowed to {@code [base, cap]}, so the
 *     delay is never shorter than {@code base} nor longer than {@code cap}.
 * </ul>
 *
 * <h2>Randomness</h2>
 * The caller passes the {@link RandomGenerator}. A jittered delay takes exactly one
 * {@link RandomGenerator#nextDouble()}, so a test pins a delay with a generator that returns a
 * fixed value, and a seeded generator gives a reproducible sequence. Without jitter the generator
 * is not used.
 */
public final class Backoff {

    /** What is drawn around the ceiling; see the class comment. */
    public enum Jitter {
        /** No randomness: the delay is the ceiling. */
        NONE,
        /** Uniform in {@code [0, ceiling)}. */
        FULL,
        /** Uniform within {@code ± ratio} of the ceiling, kept within {@code [base, cap]}. */
        PROPORTIONAL
    }

    /** The longest duration that still fits in a {@code long} of nanoseconds (about 292 years). */
    private static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE);

    private final Duration base;
    private final Duration cap;
    private final double multiplier;
    private final Jitter jitter;
    private final double jitterRatio;
    private final int failingTimeBound;
    private final long baseNanos;
    private final long capNanos;

    private Backoff(Duration base, Duration cap, double multiplier, Jitter jitter, double jitterRatio,
            int failingTimeBound) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(cap, "cap");
        if (base.isNegative() || base.isZero()) {
            throw new IllegalArgumentException("base: " + base + " (expected: > 0)");
        }
        if (cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("cap: " + cap + " (expected: >= base " + base + ")");
        }
        if (cap.compareTo(LONGEST) > 0) {
            throw new IllegalArgumentException("cap: " + cap + " (expected: <= " + LONGEST + ")");
        }
        if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier: " + multiplier + " (expected: finite and >= 1)");
        }
        this.base = base;
        this.cap = cap;
        this.multiplier = multiplier;
        this.jitter = Objects.requireNonNull(jitter, "jitter");
        this.jitterRatio = jitterRatio;
        this.failingTimeBound = failingTimeBound;
        this.baseNanos = base.toNanos();
        this.capNanos = cap.toNanos();
    }

    /**
     * Starts at {@code base} and doubles per retry up to {@code cap}, without jitter and without
     * the failing-time bound.
     *
     * @throws IllegalArgumentException if {@code base} is not positive or {@code cap} is shorter
     */
    public static Backoff exponential(Duration base, Duration cap) {
        return new Backoff(base, cap, 2, Jitter.NONE, 0, 0);
    }

    /** Always {@code delay} before jitter (multiplier 1, cap = base). */
    public static Backoff fixed(Duration delay) {
        return new Backoff(delay, delay, 1, Jitter.NONE, 0, 0);
    }

    /** This backoff growing by {@code value} per retry instead (at least 1; 1 keeps it at the base). */
    public Backoff withMultiplier(double value) {
        return new Backoff(base, cap, value, jitter, jitterRatio, failingTimeBound);
    }

    /** This backoff with delays uniform in {@code [0, ceiling)}. */
    public Backoff withFullJitter() {
        return new Backoff(base, cap, multiplier, Jitter.FULL, 0, failingTimeBound);
    }

    /**
     * This backoff with delays uniform within {@code ± ratio} of the ceiling, kept within
     * {@code [base, cap]}.
     *
     * @param ratio in {@code (0, 1]}, e.g. 0.25 for 75 % to 125 % of the ceiling
     */
    public Backoff withProportionalJitter(double ratio) {
        if (!(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("ratio: " + ratio + " (expected: 0 < ratio <= 1)");
        }
        return new Backoff(base, cap, multiplier, Jitter.PROPORTIONAL, ratio, failingTimeBound);
    }

    /**
     * This backoff whose ceiling is also never more than {@code max(base, factor × t)}, with
     * {@code t} the time spent failing passed to {@link #delay(int, Duration, RandomGenerator)}.
     *
     * @param factor at least 1 (the agent's reconnect uses 2)
     */
    public Backoff boundedByFailingTime(int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("factor: " + factor + " (expected: >= 1)");
        }
        return new Backoff(base, cap, multiplier, jitter, jitterRatio, factor);
    }

    /** The first ceiling, and the shortest delay but for full jitter. */
    public Duration base() {
        return base;
    }

    /** The largest ceiling, and the longest delay. */
    public Duration cap() {
        return cap;
    }

    /** Growth of the ceiling per retry. */
    public double multiplier() {
        return multiplier;
    }

    /** What is drawn around the ceiling. */
    public Jitter jitter() {
        return jitter;
    }

    /** The ratio of {@link Jitter#PROPORTIONAL} jitter; 0 for the other kinds. */
    public double jitterRatio() {
        return jitterRatio;
    }

    /** The factor of the failing-time bound; 0 when there is none. */
    public int failingTimeBound() {
        return failingTimeBound;
    }

    /**
     * The ceiling before retry {@code retry}, {@code min(cap, base × multiplier^retry)}: the delay
     * itself when there is no jitter. The failing-time bound does not apply here.
     *
     * @param retry retries already waited for, 0 before the first one
     */
    public Duration ceiling(int retry) {
        return Duration.ofNanos(ceilingNanos(retry, Long.MAX_VALUE));
    }

    /**
     * The delay before retry {@code retry} for a caller that does not track how long it has been
     * failing (the failing-time bound, if any, does not apply).
     *
     * @param retry retries already waited for, 0 before the first one
     * @param random source of the jitter; one {@code nextDouble()} unless there is no jitter
     */
    public Duration delay(int retry, RandomGenerator random) {
        return Duration.ofNanos(draw(ceilingNanos(retry, Long.MAX_VALUE), random));
    }

    /**
     * The delay before retry {@code retry} of a caller that has been failing for {@code failingFor}.
     *
     * @param retry retries already waited for, 0 before the first one
     * @param failingFor time since the first failure of the current run of failures
     * @param random source of the jitter; one {@code nextDouble()} unless there is no jitter
     */
    public Duration delay(int retry, Duration failingFor, RandomGenerator random) {
        Objects.requireNonNull(failingFor, "failingFor");
        if (failingFor.isNegative()) {
            throw new IllegalArgumentException("failingFor: " + failingFor + " (expected: >= 0)");
        }
        long failingNanos = failingFor.compareTo(LONGEST) >= 0 ? Long.MAX_VALUE : failingFor.toNanos();
        return Duration.ofNanos(draw(ceilingNanos(retry, failingNanos), random));
    }

    private long ceilingNanos(int retry, long failingNanos) {
        if (retry < 0) {
            throw new IllegalArgumentException("retry: " + retry + " (expected: >= 0)");
        }
        // In double: base × 2^n is exact for any base below about 104 days, and a result past
        // Long.MAX_VALUE (or infinity) casts to Long.MAX_VALUE, which the cap then replaces.
        long ceiling = Math.min(capNanos, (long) (baseNanos * Math.pow(multiplier, retry)));
        if (failingTimeBound > 0) {
            long outage = failingNanos > Long.MAX_VALUE / failingTimeBound ? Long.MAX_VALUE
                    : failingNanos * failingTimeBound;
            ceiling = Math.min(ceiling, Math.max(baseNanos, outage));
        }
        return ceiling;
    }

    private long draw(long ceiling, RandomGenerator random) {
        Objects.requireNonNull(random, "random");
        return switch (jitter) {
            case NONE -> ceiling;
            case FULL -> uniform(0, ceiling, random);
            case PROPORTIONAL -> uniform(Math.max(baseNanos, (long) (ceiling * (1 - jitterRatio))),
                    Math.min(capNanos, (long) (ceiling * (1 + jitterRatio))), random);
        };
    }

    /** Uniform in {@code [low, high)}; {@code low} when that is empty. Draws once either way. */
    private static long uniform(long low, long high, RandomGenerator random) {
        double fraction = random.nextDouble();
        if (high <= low) {
            return low;
        }
        return Math.min(high - 1, low + (long) (fraction * (high - low)));
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof Backoff that && base.equals(that.base) && cap.equals(that.cap)
                && Double.compare(multiplier, that.multiplier) == 0 && jitter == that.jitter
                && Double.compare(jitterRatio, that.jitterRatio) == 0 && failingTimeBound == that.failingTimeBound;
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, cap, multiplier, jitter, jitterRatio, failingTimeBound);
    }

    @Override
    public String toString() {
        return "Backoff[base=" + base + ", cap=" + cap + ", multiplier=" + multiplier + ", jitter=" + jitter
                + (jitter == Jitter.PROPORTIONAL ? " " + jitterRatio : "")
                + (failingTimeBound > 0 ? ", boundedByFailingTime=" + failingTimeBound : "") + "]";
    }
}
