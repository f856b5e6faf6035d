package io.codehub.base;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Argument checks, the one place codehub validates a value it was given. Each returns the value it
 * accepts and refuses anything else with an {@link IllegalArgumentException} whose message names
 * the argument, the value and what was expected, in the house format:
 * {@code "maxFrameSize: 1000 (expected: 16384..16777215)"}, {@code "callTimeout: PT0S (expected: > 0)"}.
 * A {@code null} where a value is required is refused the same way ({@code "jobTimeout: null (expected: > 0)"}),
 * so a missing setting reads like a wrong one.
 */
public final class Checks {

    private Checks() {
    }

    /** {@code value}, when greater than zero. */
    public static int positive(String name, int value) {
        if (value <= 0) {
            throw invalid(name, value, "> 0");
        }
        return value;
    }

    /** {@code value}, when greater than zero. */
    public static long positive(String name, long value) {
        if (value <= 0) {
            throw invalid(name, value, "> 0");
        }
        return value;
    }

    /** {@code value}, when zero or more. */
    public static int notNegative(String name, int value) {
        if (value < 0) {
            throw invalid(name, value, ">= 0");
        }
        return value;
    }

    /** {@code value}, when within {@code min..max} (both included). */
    public static int inRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw invalid(name, value, min + ".." + max);
        }
        return value;
    }

    /** {@code value}, when longer than zero. */
    public static Duration positive(String name, @Nullable Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw invalid(name, value, "> 0");
        }
        return value;
    }

    /** {@code value}, when longer than zero and at most {@code max}. */
    public static Duration positive(String name, @Nullable Duration value, Duration max) {
        if (value == null || value.isNegative() || value.isZero() || value.compareTo(max) > 0) {
            throw invalid(name, value, "> 0 and at most " + max);
        }
        return value;
    }

    /** {@code value}, when zero or longer. */
    public static Duration notNegative(String name, @Nullable Duration value) {
        if (value == null || value.isNegative()) {
            throw invalid(name, value, ">= 0");
        }
        return value;
    }

    /** {@code value}, when longer than zero and a whole number of seconds (a protocol field in seconds). */
    public static Duration wholeSeconds(String name, @Nullable Duration value) {
        positive(name, value);
        if (value.getNano() != 0) { // not toNanos(): it overflows past 292 years
            throw invalid(name, value, "whole seconds");
        }
        return value;
    }

    /** {@code value}, when neither {@code null} nor blank. */
    public static String notBlank(String name, @Nullable String value) {
        if (value == null || value.isBlank()) {
            throw invalid(name, value == null ? null : "'" + value + "'", "not blank");
        }
        return value;
    }

    private static IllegalArgumentException invalid(String name, @Nullable Object value, String expected) {
        return new IllegalArgumentException(name + ": " + value + " (expected: " + expected + ")");
    }
}
