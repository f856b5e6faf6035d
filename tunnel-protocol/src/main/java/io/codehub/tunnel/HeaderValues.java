package io.codehub.tunnel;

import org.jspecify.annotations.Nullable;

/** Syntax checks on handshake header values, so nothing unbounded or unprintable gets through. */
final class HeaderValues {

    private HeaderValues() {
    }

    /** RFC 7235 token68: {@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}. */
    static boolean isToken68(@Nullable String value, int maxLength) {
        if (value == null || value.isEmpty() || value.length() > maxLength) {
            return false;
        }
        int i = 0;
        int n = value.length();
        while (i < n && isToken68Char(value.charAt(i))) {
            i++;
        }
        if (i == 0) {
            return false;
        }
        while (i < n && value.charAt(i) == '=') {
            i++;
        }
        return i == n;
    }

    private static boolean isToken68Char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    }

    /** Visible ASCII and spaces only, 1 to maxLength characters. */
    static boolean isPrintable(@Nullable String value, int maxLength) {
        if (value == null || value.isEmpty() || value.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }
}
