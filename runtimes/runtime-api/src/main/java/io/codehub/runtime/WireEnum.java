package io.codehub.runtime;

import java.util.Locale;
import java.util.function.Function;

/** Shared lookup for enums whose JSON form is a fixed lower-case or camel-case word. */
final class WireEnum {

    private WireEnum() {
    }

    static <E extends Enum<E>> E parse(Class<E> type, E[] values, String wire, Function<E, String> name) {
        for (E value : values) {
            if (name.apply(value).equals(wire)) {
                return value;
            }
        }
        StringBuilder expected = new StringBuilder();
        for (E value : values) {
            expected.append(expected.isEmpty() ? "" : ", ").append(name.apply(value));
        }
        throw new InvalidSpecException(ProblemType.INVALID_SPEC,
                type.getSimpleName().toLowerCase(Locale.ROOT) + ": '" + shorten(wire) + "' (expected one of: " + expected + ")");
    }

    static String shorten(String value) {
        return value == null ? "null" : value.length() > 64 ? value.substring(0, 64) + "..." : value;
    }
}
