package io.codehub.hub.config;

import java.time.Duration;

import io.codehub.web.ConfigurationException;

/** Range checks of configuration values; a failure names the environment variable and the fix. */
final class Checks {

    private Checks() {
    }

    static Duration positive(String variable, Duration value) {
        if (value.isZero() || value.isNegative()) {
            throw new ConfigurationException(variable, value + " (expected: a positive duration)",
                    "Set " + variable + " to a positive duration such as 500ms, 30s or 5m.");
        }
        return value;
    }

    static int between(String variable, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ConfigurationException(variable, value + " (expected: " + min + ".." + max + ")",
                    "Set " + variable + " to a number between " + min + " and " + max + ".");
        }
        return value;
    }
}
