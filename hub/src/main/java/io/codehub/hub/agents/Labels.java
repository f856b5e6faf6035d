package io.codehub.hub.agents;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import io.codehub.hub.problem.HubProblemException;
import org.jspecify.annotations.Nullable;

/**
 * Labels of an agent (or required of one by a placement request): at most {@value #MAX_LABELS}
 * pairs, keys like Kubernetes label keys, values of at most {@value #MAX_VALUE_LENGTH} characters.
 * Stored as a JSON object; validated on construction because they arrive from the network.
 */
public record Labels(Map<String, String> values) {

    static final int MAX_LABELS = 64;
    static final int MAX_VALUE_LENGTH = 128;
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?");
    private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9._:/-]*");

    /** No labels. */
    public static final Labels NONE = new Labels(Map.of());

    public Labels {
        if (values.size() > MAX_LABELS) {
            throw HubProblemException.invalid("labels", values.size() + " labels (expected: at most " + MAX_LABELS + ")");
        }
        values.forEach((key, value) -> {
            if (key == null || !KEY.matcher(key).matches()) {
                throw HubProblemException.invalid("labels", "key '" + key
                        + "' (expected: letters, digits, '.', '_', '/', '-', at most 128 characters, alphanumeric at both ends)");
            }
            if (value == null || value.length() > MAX_VALUE_LENGTH || !VALUE.matcher(value).matches()) {
                throw HubProblemException.invalid("labels." + key, "'" + value
                        + "' (expected: letters, digits, '.', '_', ':', '/', '-', at most " + MAX_VALUE_LENGTH + " characters)");
            }
        });
        values = java.util.Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /** The labels of {@code values}, or none. */
    public static Labels of(@Nullable Map<String, String> values) {
        return values == null ? NONE : new Labels(values);
    }

    /** Whether every label of {@code required} is present here with the same value. */
    public boolean containsAll(Labels required) {
        return values.entrySet().containsAll(required.values.entrySet());
    }

    /** Parses {@code key=value} selectors, as in {@code ?label=gpu=true}. */
    public static Labels parseSelectors(@Nullable Iterable<String> selectors) {
        if (selectors == null) {
            return NONE;
        }
        Map<String, String> values = new TreeMap<>();
        for (String selector : selectors) {
            int equals = selector.indexOf('=');
            if (equals <= 0) {
                throw HubProblemException.invalid("label", "'" + selector + "' (expected: key=value)");
            }
            values.put(selector.substring(0, equals), selector.substring(equals + 1));
        }
        return new Labels(values);
    }
}
