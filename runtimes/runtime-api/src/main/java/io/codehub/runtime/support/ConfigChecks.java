package io.codehub.runtime.support;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * The validations runtime configurations share, each failing with an
 * {@link IllegalArgumentException} whose message names the field, the value and what is expected,
 * e.g. {@code "maxConcurrentCalls: 0 (expected: 1..1024)"}.
 *
 * <p>For {@code Runtime} implementations.
 */
public final class ConfigChecks {

    private ConfigChecks() {
    }

    /** {@code value}, when within {@code min..max}. */
    public static int requireBetween(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: " + min + ".." + max + ")");
        }
        return value;
    }

    /** {@code value}, when neither {@code null} nor blank. */
    public static String requireNotBlank(String field, @Nullable String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + ": '" + value + "' (expected: not blank)");
        }
        return value;
    }

    /** {@code value}, when longer than zero. */
    public static Duration requirePositive(String field, @Nullable Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: > 0)");
        }
        return value;
    }

    /** {@code value}, when longer than zero and at most {@code max}. */
    public static Duration requirePositive(String field, @Nullable Duration value, Duration max) {
        if (value == null || value.isNegative() || value.isZero() || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: > 0 and at most " + max + ")");
        }
        return value;
    }
}
