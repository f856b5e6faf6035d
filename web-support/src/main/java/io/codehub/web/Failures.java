package io.codehub.web;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Wording of failures in problem details. (The search of a cause chain is
 * {@link io.codehub.base.Causes}.)
 */
public final class Failures {

    /** A Java type name as Jackson quotes it, e.g. {@code `java.lang.String`} or {@code `io.codehub.X$Y`}. */
    private static final Pattern QUOTED_TYPE = Pattern.compile("`(?:[A-Za-z_$][\\w$]*\\.)*([A-Za-z_$][\\w$]*)(?:<[^`]*>)?`");
    /** A qualified Java name left unquoted, e.g. in a method signature. */
    private static final Pattern QUALIFIED = Pattern.compile("\\b(?:[a-z_$][\\w$]*\\.)+[A-Za-z_$][\\w$]*\\b");
    /** Jackson's token names, e.g. {@code (token `JsonToken.START_ARRAY`)}. */
    private static final Pattern TOKEN = Pattern.compile("\\s*\\(token `?JsonToken\\.(\\w+)`?\\)");
    private static final Map<String, String> JSON_NAMES = Map.ofEntries(
            Map.entry("String", "a string"), Map.entry("Integer", "a number"), Map.entry("int", "a number"),
            Map.entry("Long", "a number"), Map.entry("long", "a number"), Map.entry("Double", "a number"),
            Map.entry("double", "a number"), Map.entry("BigDecimal", "a number"), Map.entry("BigInteger", "a number"),
            Map.entry("Boolean", "a boolean"), Map.entry("boolean", "a boolean"), Map.entry("List", "an array"),
            Map.entry("ArrayList", "an array"), Map.entry("Collection", "an array"), Map.entry("Set", "an array"),
            Map.entry("Map", "an object"), Map.entry("LinkedHashMap", "an object"), Map.entry("Instant", "an instant"),
            Map.entry("Duration", "a duration"), Map.entry("URI", "a URI"));

    private Failures() {
    }

    /** The first line of {@code message}: Jackson messages carry a source excerpt on later lines. */
    public static String firstLine(@Nullable String message) {
        return message == null ? "invalid value" : message.lines().findFirst().orElse(message);
    }

    /**
     * The first line of a framework's {@code message}, fit for a client: Java type names become
     * JSON words ({@code `java.lang.String`} is "a string", one of our records "an object"),
     * Jackson's token names go, and a message that names a method (Spring's "No request body
     * for: public ... register(...)") keeps only its first words. A client learns what is wrong
     * with its request, never which classes handle it.
     */
    public static String forClients(@Nullable String message) {
        String line = firstLine(message);
        int signature = line.indexOf(" for: ");
        if (signature >= 0) {
            line = line.substring(0, signature);
        }
        line = TOKEN.matcher(line).replaceAll("");
        Matcher quoted = QUOTED_TYPE.matcher(line);
        StringBuilder out = new StringBuilder();
        while (quoted.find()) {
            quoted.appendReplacement(out, Matcher.quoteReplacement(JSON_NAMES.getOrDefault(quoted.group(1), "an object")));
        }
        quoted.appendTail(out);
        return QUALIFIED.matcher(out).replaceAll("a value");
    }
}
