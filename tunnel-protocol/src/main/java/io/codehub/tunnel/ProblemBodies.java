package io.codehub.tunnel;

import java.nio.charset.StandardCharsets;

import io.codehub.base.CodehubProblemType;
import io.codehub.base.JsonText;
import org.jspecify.annotations.Nullable;

/**
 * RFC 9457 bodies of handshake errors, written and read without a JSON library: the hub writes
 * four string/number members, and the agent only needs {@code type} and {@code detail} back.
 */
final class ProblemBodies {

    /** Bodies longer than this are not parsed (the agent caps what it reads anyway). */
    static final int MAX_DETAIL_CHARS = 512;

    private ProblemBodies() {
    }

    /** The body of a {@code type} problem with the occurrence's {@code detail}, in UTF-8. */
    static byte[] encode(CodehubProblemType type, String detail) {
        return encode(type.uri().toString(), type.title(), type.status(), detail);
    }

    /** The body of a problem given by its parts, in UTF-8 (the relay's refusals, whose type the hub names). */
    static byte[] encode(String type, String title, int status, String detail) {
        String json = "{\"type\":" + JsonText.quote(type)
                + ",\"title\":" + JsonText.quote(title)
                + ",\"status\":" + status
                + ",\"detail\":" + JsonText.quote(truncate(detail)) + "}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /** The string member {@code name} of a flat JSON object, or null when absent or not a string. */
    static @Nullable String stringMember(String json, String name) {
        String key = JsonText.quote(name);
        int at = json.indexOf(key);
        while (at >= 0) {
            int i = skipSpaces(json, at + key.length());
            if (i < json.length() && json.charAt(i) == ':') {
                i = skipSpaces(json, i + 1);
                return i < json.length() && json.charAt(i) == '"' ? unquote(json, i + 1) : null;
            }
            at = json.indexOf(key, at + 1);
        }
        return null;
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static @Nullable String unquote(String s, int start) {
        StringBuilder out = new StringBuilder();
        for (int i = start; i < s.length() && out.length() <= MAX_DETAIL_CHARS; i++) {
            char c = s.charAt(i);
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i >= s.length()) {
                return null;
            }
            char e = s.charAt(i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    if (i + 4 >= s.length()) {
                        return null;
                    }
                    try {
                        out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    } catch (NumberFormatException notHex) {
                        return null;
                    }
                    i += 4;
                }
                default -> out.append(e);
            }
        }
        return null;
    }

    private static String truncate(String detail) {
        return detail.length() <= MAX_DETAIL_CHARS ? detail : detail.substring(0, MAX_DETAIL_CHARS);
    }
}
