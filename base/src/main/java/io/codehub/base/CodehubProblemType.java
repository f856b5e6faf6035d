package io.codehub.base;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/**
 * The shape of every stable RFC 9457 problem type codehub serves: a slug under the one prefix
 * {@value #URI_PREFIX}, the HTTP status it is served with and a title that is the same for every
 * occurrence. The Agent API's types ({@code io.codehub.runtime.ProblemType}), the hub's own
 * ({@code HubProblemType}) and the tunnel handshake's ({@code HandshakeProblem}) are enums of this
 * shape. Clients match on {@link #uri()}, never on the title or the detail, so a published type
 * never changes.
 */
public interface CodehubProblemType {

    /** Prefix of every codehub problem type URI, declared here only. */
    String URI_PREFIX = "urn:codehub:problem:";

    /** The short, stable name, e.g. {@code volume-in-use}. */
    String slug();

    /** The HTTP status this problem is served with. */
    int status();

    /** The human-readable summary ({@code title}), the same for every occurrence. */
    String title();

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
}
