package io.codehub.base;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The shape of every stable RFC 9457 problem type codehub serves: a slug under the one prefix
 * {@value #URI_PREFIX}, the HTTP status it is served with and a title that is the same for every
 * occurrence. The Agent API's types ({@code io.codehub.runtime.ProblemType}), the hub's own
 * ({@code HubProblemType}) and the tunnel handshake's ({@code HandshakeProblem}) are enums of this
 * shape, each constant holding its {@link Definition}. Clients match on {@link #uri()}, never on
 * the title or the detail, so a published type never changes.
 */
public interface CodehubProblemType {

    /** Prefix of every codehub problem type URI, declared here only. */
    String URI_PREFIX = "urn:codehub:problem:";

    /** The slug, status and title of this type. */
    Definition definition();

    /** The short, stable name, e.g. {@code volume-in-use}. */
    default String slug() {
        return definition().slug();
    }

    /** The HTTP status this problem is served with. */
    default int status() {
        return definition().status();
    }

    /** The human-readable summary ({@code title}), the same for every occurrence. */
    default String title() {
        return definition().title();
    }

    /** The RFC 9457 {@code type}: {@value #URI_PREFIX} followed by the {@link #slug()}. */
    default URI uri() {
        return URI.create(URI_PREFIX + slug());
    }

    /** {@code types} by their {@link #uri()} as a string, for reading a {@code type} back. */
    static <T extends CodehubProblemType> Map<String, T> byUri(T[] types) {
        Map<String, T> byUri = new HashMap<>();
        for (T type : types) {
            if (byUri.put(type.uri().toString(), type) != null) {
                throw new IllegalStateException("two problem types are " + type.uri());
            }
        }
        return Map.copyOf(byUri);
    }

    /**
     * What a problem type is, validated once for all of them.
     *
     * @param slug   lower-case words joined by {@code -}, e.g. {@code volume-in-use}
     * @param status an HTTP error status, 400 to 599
     * @param title  the human-readable summary
     */
    record Definition(String slug, int status, String title) {

        private static final Pattern SLUG = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

        public Definition {
            if (!SLUG.matcher(slug).matches()) {
                throw new IllegalArgumentException("slug: '" + slug + "' (expected: lower-case words joined by '-')");
            }
            Checks.inRange("status", status, 400, 599);
            Checks.notBlank("title", title);
        }
    }
}
