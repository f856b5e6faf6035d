package io.codehub.hub.access;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in a request: {@code 90s}, {@code 30m}, {@code 8h}, {@code 7d},
 * {@code 1h30m} (units {@code ms s m h d}, as Go and Spring Boot's simple style spell them), or
 * ISO-8601 ({@code PT8H}, {@code P7D}); and back, in the shortest of those forms.
 */
final class DurationText {

    private static final Pattern SIMPLE = Pattern.compile("(?:[0-9]{1,18}(?:ms|s|m|h|d))+");
    private static final Pattern PART = Pattern.compile("([0-9]{1,18})(ms|s|m|h|d)");
    static final String EXPECTED = "a duration such as 90s, 30m, 8h, 7d, 1h30m or PT8H";

    private DurationText() {
    }

    /**
     * The duration {@code text} spells.
     *
     * @throws IllegalArgumentException saying what is wrong and what is expected
     */
    static Duration parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (value.startsWith("p") || value.startsWith("-p") || value.startsWith("+p")) {
                return Duration.parse(value.toUpperCase(Locale.ROOT));
            }
            if (!SIMPLE.matcher(value).matches()) {
                throw new IllegalArgumentException("'" + shorten(text) + "' (expected: " + EXPECTED + ")");
            }
            Duration total = Duration.ZERO;
            Matcher part = PART.matcher(value);
            while (part.find()) {
                long amount = Long.parseLong(part.group(1));
                total = total.plus(switch (part.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    default -> Duration.ofDays(amount);
                });
            }
            return total;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + shorten(text) + "' (expected: " + EXPECTED + ")", e);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + shorten(text) + "' is too long to be a duration", e);
        }
    }

    /** {@code duration} in the largest whole unit: {@code 7d}, {@code 8h}, {@code 90m}, {@code 45s}, {@code 1500ms}. */
    static String format(Duration duration) {
        if (duration.getNano() % 1_000_000 != 0) {
            return duration.toString();
        }
        for (ChronoUnit unit : new ChronoUnit[] {ChronoUnit.DAYS, ChronoUnit.HOURS, ChronoUnit.MINUTES,
                ChronoUnit.SECONDS}) {
            Duration one = unit.getDuration();
            if (duration.getNano() == 0 && duration.getSeconds() % one.getSeconds() == 0) {
                return duration.getSeconds() / one.getSeconds() + symbol(unit);
            }
        }
        return duration.toMillis() + "ms";
    }

    private static String symbol(ChronoUnit unit) {
        return switch (unit) {
            case DAYS -> "d";
            case HOURS -> "h";
            case MINUTES -> "m";
            default -> "s";
        };
    }

    private static String shorten(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
}
