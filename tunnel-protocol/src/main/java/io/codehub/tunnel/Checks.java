package io.codehub.tunnel;

import java.time.Duration;
import java.util.Objects;

/** Argument checks with messages in the house format: {@code "name: value (expected: ...)"}. */
final class Checks {

    private Checks() {
    }

    static int positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
        return value;
    }

    static int inRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    name + ": " + value + " (expected: " + min + " <= " + name + " <= " + max + ")");
        }
        return value;
    }

    static Duration positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
        return value;
    }

    static Duration notNegative(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
        }
        return value;
    }

    static Duration wholeSeconds(String name, Duration value) {
        positive(name, value);
        if (value.toNanos() % 1_000_000_000L != 0) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: whole seconds)");
        }
        return value;
    }

    static String notBlank(String name, String value) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + ": \"\" (expected: not blank)");
        }
        return value;
    }
}
