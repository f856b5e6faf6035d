package io.codehub.hub.access;

import java.util.Arrays;
import java.util.Base64;

/**
 * Unpadded base64url (RFC 4648 §5), decoded straight from a {@link CharSequence} into a caller's
 * buffer: no intermediate string or array, for the gateway's event loop. Decoding is strict: a
 * character outside the alphabet, padding, an impossible length or non-zero unused trailing bits
 * (a second spelling of the same bytes) make the text invalid.
 */
final class Base64Url {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final byte[] VALUES = new byte[128];

    static {
        Arrays.fill(VALUES, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < alphabet.length(); i++) {
            VALUES[alphabet.charAt(i)] = (byte) i;
        }
    }

    private Base64Url() {
    }

    static String encode(byte[] bytes) {
        return ENCODER.encodeToString(bytes);
    }

    /** How many bytes {@code chars} base64url characters decode to; -1 for a length no encoding has. */
    static int decodedLength(int chars) {
        int rest = chars % 4;
        return rest == 1 ? -1 : chars / 4 * 3 + (rest == 0 ? 0 : rest - 1);
    }

    /** Whether {@code text} is canonical unpadded base64url of exactly {@code bytes} bytes. */
    static boolean isEncodingOf(CharSequence text, int bytes) {
        if (decodedLength(text.length()) != bytes) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (value(text.charAt(i)) < 0) {
                return false;
            }
        }
        int rest = text.length() % 4;
        int last = text.length() == 0 ? 0 : value(text.charAt(text.length() - 1));
        return rest == 0 || (rest == 2 && (last & 0x0f) == 0) || (rest == 3 && (last & 0x03) == 0);
    }

    /**
     * Decodes {@code text[from, to)} into {@code out} from index 0; returns the number of bytes, or -1
     * when the text is not canonical base64url or does not fit {@code out}.
     */
    static int decode(CharSequence text, int from, int to, byte[] out) {
        int length = decodedLength(to - from);
        if (length < 0 || length > out.length) {
            return -1;
        }
        int o = 0;
        int i = from;
        int whole = from + (to - from) / 4 * 4;
        while (i < whole) {
            int a = value(text.charAt(i));
            int b = value(text.charAt(i + 1));
            int c = value(text.charAt(i + 2));
            int d = value(text.charAt(i + 3));
            if ((a | b | c | d) < 0) {
                return -1;
            }
            int bits = a << 18 | b << 12 | c << 6 | d;
            out[o++] = (byte) (bits >> 16);
            out[o++] = (byte) (bits >> 8);
            out[o++] = (byte) bits;
            i += 4;
        }
        int rest = to - i;
        if (rest == 2) {
            int a = value(text.charAt(i));
            int b = value(text.charAt(i + 1));
            if ((a | b) < 0 || (b & 0x0f) != 0) {
                return -1;
            }
            out[o++] = (byte) (a << 2 | b >> 4);
        } else if (rest == 3) {
            int a = value(text.charAt(i));
            int b = value(text.charAt(i + 1));
            int c = value(text.charAt(i + 2));
            if ((a | b | c) < 0 || (c & 0x03) != 0) {
                return -1;
            }
            int bits = a << 12 | b << 6 | c;
            out[o++] = (byte) (bits >> 10);
            out[o++] = (byte) (bits >> 2);
        }
        return o;
    }

    private static int value(char c) {
        return c < 128 ? VALUES[c] : -1;
    }
}
