package io.codehub.base;

import org.jspecify.annotations.Nullable;

/**
 * The {@value #HEADER} header: an agent's own clock, in milliseconds since the epoch, as a decimal
 * number. Agents send it on every Agent API response and in their tunnel upgrade request, so that
 * the hub can measure how far each agent's clock is from its own and mint the agent's tokens in the
 * agent's time ({@code docs/security.md}, Clock skew). It is informational: nothing is authorised by
 * it, and a value that is not a plain number of at most {@value #MAX_DIGITS} digits is ignored.
 */
public final class AgentTime {

    /** The header's name. */
    public static final String HEADER = "Codehub-Agent-Time";
    /** Longest value accepted: 15 digits reach past the year 30000. */
    public static final int MAX_DIGITS = 15;

    private AgentTime() {
    }

    /** The header value for {@code epochMillis}. */
    public static String format(long epochMillis) {
        return Long.toString(epochMillis);
    }

    /** The milliseconds in {@code value}, or null when it is absent or not 1 to {@value #MAX_DIGITS} digits. */
    public static @Nullable Long parse(@Nullable String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_DIGITS) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        return Long.parseLong(value);
    }
}
