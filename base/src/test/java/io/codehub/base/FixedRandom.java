package io.codehub.base;

import java.util.random.RandomGenerator;

/**
 * A {@link RandomGenerator} whose {@link #nextDouble()} is always the same value, to pin a jittered
 * {@link Backoff} delay in a test ({@code Backoff} draws one {@code nextDouble()} per delay). Any
 * other draw fails the test: the code under test used randomness it was not expected to.
 */
public final class FixedRandom implements RandomGenerator {

    /** The largest value {@code nextDouble()} can return: the top of every jitter range. */
    public static final double TOP = Math.nextDown(1.0);

    private final double value;

    private FixedRandom(double value) {
        this.value = value;
    }

    /** Always {@code value}, in {@code [0, 1)}. */
    public static FixedRandom of(double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException("value: " + value + " (expected: 0 <= value < 1)");
        }
        return new FixedRandom(value);
    }

    /** A generator that fails the test when anything is drawn from it. */
    public static RandomGenerator unused() {
        return () -> {
            throw new AssertionError("no random value was expected to be drawn");
        };
    }

    @Override
    public double nextDouble() {
        return value;
    }

    @Override
    public long nextLong() {
        throw new AssertionError("only nextDouble() is fixed; the code under test drew a long");
    }
}
