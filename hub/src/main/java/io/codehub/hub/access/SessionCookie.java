package io.codehub.hub.access;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The gateway's session cookie: its name, its {@code Set-Cookie} value, and finding and removing it
 * in a request's {@code Cookie} header.
 *
 * <h2>Attributes</h2>
 * {@code HttpOnly; Path=/; SameSite=Lax; Max-Age=<seconds left>}, plus {@code Secure} when browsers
 * reach the gateway over https ({@code GatewayProperties.secure()}), and never {@code Domain}: the
 * cookie is host-only, so it goes to the one workspace host that set it and to no sibling. Over
 * https the name is {@value #SECURE_NAME}: browsers accept a {@code __Host-} cookie only with
 * {@code Secure}, {@code Path=/} and no {@code Domain}, so no other host under the apps domain can
 * plant one for this host.
 *
 * <h2>Parsing</h2>
 * A {@code Cookie} header is {@code name=value} pairs separated by {@code ;} with optional
 * whitespace (RFC 6265 §4.2.1, parsed leniently as browsers send it); a value in double quotes is
 * returned without them; names are case-sensitive. HTTP/2 clients may send several {@code cookie}
 * headers: call these methods on each one (or on them joined with {@code "; "}).
 *
 * <p>Thread-safe and allocation-light; no I/O.
 */
public final class SessionCookie {

    /** The cookie's name over https. */
    public static final String SECURE_NAME = "__Host-codehub_session";
    /** The cookie's name over plain http. */
    public static final String PLAIN_NAME = "codehub_session";

    private final Clock clock;

    /** @param clock turns an expiry into {@code Max-Age} */
    public SessionCookie(Clock clock) {
        this.clock = clock;
    }

    /** The cookie's name: {@value #SECURE_NAME} when {@code secure}, else {@value #PLAIN_NAME}. */
    public String name(boolean secure) {
        return secure ? SECURE_NAME : PLAIN_NAME;
    }

    /**
     * The {@code Set-Cookie} value that stores {@code token} until {@code expiresAt} (a past expiry
     * gives {@code Max-Age=0}, which deletes the cookie).
     *
     * @throws IllegalArgumentException when {@code token} is empty or has a character a cookie
     *                                  value cannot hold (a session token never has)
     */
    public String setCookie(String token, Instant expiresAt, boolean secure) {
        if (token.isEmpty()) {
            throw new IllegalArgumentException("token: empty (expected: a session token)");
        }
        for (int i = 0; i < token.length(); i++) {
            if (!isCookieOctet(token.charAt(i))) {
                throw new IllegalArgumentException("token: character " + i + " cannot be in a cookie value "
                        + "(expected: a session token)");
            }
        }
        long maxAge = Math.max(0, Duration.between(clock.instant(), expiresAt).getSeconds());
        return cookie(name(secure), token, maxAge, secure);
    }

    /** The {@code Set-Cookie} value that deletes the cookie (sign-out). */
    public String clearCookie(boolean secure) {
        return cookie(name(secure), "", 0, secure);
    }

    /**
     * The value of the first cookie named {@link #name(boolean) name(secure)} in
     * {@code cookieHeader}, without surrounding quotes; null when there is none.
     */
    public @Nullable String find(@Nullable String cookieHeader, boolean secure) {
        List<String> values = findAll(cookieHeader, secure);
        return values.isEmpty() ? null : values.get(0);
    }

    /**
     * The values of every cookie named {@link #name(boolean) name(secure)}, in header order. A
     * browser sends two when another host under a shared parent domain planted one (only possible
     * over plain http, where the name has no {@code __Host-} prefix): the gateway can then accept
     * the first that verifies instead of the first that comes.
     */
    public List<String> findAll(@Nullable String cookieHeader, boolean secure) {
        List<String> values = new ArrayList<>(1);
        if (cookieHeader == null) {
            return values;
        }
        String name = name(secure);
        int length = cookieHeader.length();
        int start = 0;
        while (start <= length) {
            int end = cookieHeader.indexOf(';', start);
            if (end < 0) {
                end = length;
            }
            String value = valueIfNamed(cookieHeader, start, end, name);
            if (value != null) {
                values.add(value);
            }
            start = end + 1;
        }
        return values;
    }

    /**
     * {@code cookieHeader} without the session cookie, for the request the gateway forwards: the
     * workspace never sees a session token. Every cookie named {@value #SECURE_NAME} or
     * {@value #PLAIN_NAME} goes, whatever {@code secure} says: under the other name it can only be
     * a left-over of a change of scheme, or a forgery. The header comes back unchanged (the same
     * instance) when it has neither; the remaining cookies are otherwise joined with {@code "; "};
     * null when none remains.
     */
    public @Nullable String strip(@Nullable String cookieHeader, boolean secure) {
        if (cookieHeader == null) {
            return null;
        }
        if (!cookieHeader.contains(PLAIN_NAME)) { // SECURE_NAME contains it too
            return cookieHeader.isBlank() ? null : cookieHeader;
        }
        StringBuilder kept = new StringBuilder(cookieHeader.length());
        int length = cookieHeader.length();
        int start = 0;
        while (start <= length) {
            int end = cookieHeader.indexOf(';', start);
            if (end < 0) {
                end = length;
            }
            int from = skipSpace(cookieHeader, start, end);
            int to = trimSpace(cookieHeader, from, end);
            if (from < to && !isNamed(cookieHeader, from, to, SECURE_NAME) && !isNamed(cookieHeader, from, to, PLAIN_NAME)) {
                if (kept.length() > 0) {
                    kept.append("; ");
                }
                kept.append(cookieHeader, from, to);
            }
            start = end + 1;
        }
        return kept.length() == 0 ? null : kept.toString();
    }

    private static String cookie(String name, String value, long maxAge, boolean secure) {
        return name + "=" + value + "; Max-Age=" + maxAge + "; Path=/; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
    }

    /** The value of the pair in {@code header[start, end)} when it is named {@code name}. */
    private static @Nullable String valueIfNamed(String header, int start, int end, String name) {
        int from = skipSpace(header, start, end);
        int to = trimSpace(header, from, end);
        if (!isNamed(header, from, to, name)) {
            return null;
        }
        int valueFrom = skipSpace(header, header.indexOf('=', from) + 1, to);
        if (to - valueFrom >= 2 && header.charAt(valueFrom) == '"' && header.charAt(to - 1) == '"') {
            valueFrom++;
            to--;
        }
        return header.substring(valueFrom, to);
    }

    /** Whether the trimmed pair {@code header[from, to)} is {@code name}, optional space, {@code =}. */
    private static boolean isNamed(String header, int from, int to, String name) {
        if (to - from < name.length() + 1 || !header.startsWith(name, from)) {
            return false;
        }
        int at = skipSpace(header, from + name.length(), to);
        return at < to && header.charAt(at) == '=';
    }

    private static int skipSpace(String text, int from, int to) {
        while (from < to && isSpace(text.charAt(from))) {
            from++;
        }
        return from;
    }

    private static int trimSpace(String text, int from, int to) {
        while (to > from && isSpace(text.charAt(to - 1))) {
            to--;
        }
        return to;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    /** RFC 6265 cookie-octet: visible ASCII but for {@code " , ; \}. */
    private static boolean isCookieOctet(char c) {
        return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\';
    }
}
