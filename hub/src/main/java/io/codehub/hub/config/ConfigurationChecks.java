package io.codehub.hub.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

import io.codehub.base.Checks;
import io.codehub.web.ConfigurationException;
import org.jspecify.annotations.Nullable;

/**
 * Range checks of configuration values: {@link Checks} (which words the problem) with the
 * environment variable as the name, turned into a {@link ConfigurationException} that also says
 * how to fix it, for the start-up report.
 */
final class ConfigurationChecks {

    private ConfigurationChecks() {
    }

    static Duration positive(String variable, Duration value) {
        return check(variable, () -> Checks.positive(variable, value), "a positive duration such as 500ms, 30s or 5m");
    }

    static int inRange(String variable, int value, int min, int max) {
        return check(variable, () -> Checks.inRange(variable, value, min, max),
                "a number between " + min + " and " + max);
    }

    /** A configured PEM file must be readable (an unset one, null, passes). */
    static void readable(String variable, @Nullable Path file) {
        if (file != null && !Files.isReadable(file)) {
            throw new ConfigurationException(variable, file + " cannot be read",
                    "Point " + variable + " at a readable PEM file.");
        }
    }

    private static <T> T check(String variable, Supplier<T> check, String wanted) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            // "VARIABLE: value (expected: ...)": the exception puts the variable in front itself
            String message = String.valueOf(e.getMessage());
            String problem = message.startsWith(variable + ": ") ? message.substring(variable.length() + 2) : message;
            throw new ConfigurationException(variable, problem, "Set " + variable + " to " + wanted + ".", e);
        }
    }
}
