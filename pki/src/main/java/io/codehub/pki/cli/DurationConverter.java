package io.codehub.pki.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

import picocli.CommandLine.ITypeConverter;

/** Durations as {@code 3650d}, {@code 12h}, {@code 30m}, {@code 90s} or ISO-8601 {@code PT1H}. */
final class DurationConverter implements ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (text.startsWith("p")) {
                return Duration.parse(text.toUpperCase(Locale.ROOT));
            }
            if (text.length() >= 2) {
                long amount = Long.parseLong(text.substring(0, text.length() - 1));
                if (amount > 0 && amount <= 100_000) {
                    switch (text.charAt(text.length() - 1)) {
                        case 'd':
                            return Duration.ofDays(amount);
                        case 'h':
                            return Duration.ofHours(amount);
                        case 'm':
                            return Duration.ofMinutes(amount);
                        case 's':
                            return Duration.ofSeconds(amount);
                        default:
                            break;
                    }
                }
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("'" + value + "' is not a duration (expected e.g. 7d, 12h, 30m)");
    }
}
