package io.codehub.base;

/**
 * JSON string literals for the few small documents codehub writes without a JSON library (the
 * tunnel handshake's and the workspace gateway's problem bodies). {@link #quote} escapes what JSON
 * requires, and {@code <}, {@code >} and {@code &} too, so that a value can never close a
 * surrounding HTML element or script if a client shows it as such.
 */
public final class JsonText {

    private JsonText() {
    }

    /** {@code value} as a JSON string literal, quotes included. */
    public static String quote(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
