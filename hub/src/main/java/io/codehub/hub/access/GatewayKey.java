package io.codehub.hub.access;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * One HMAC-SHA256 key of gateway sessions: 256 random bits and the id that sessions name it by.
 * Immutable; {@link #toString()} never shows the secret.
 *
 * @param id     the key's id, positive; the highest id signs new sessions
 * @param secret the key, {@value #SECRET_BYTES} bytes
 */
public record GatewayKey(int id, byte[] secret) {

    /** Length of every key. */
    public static final int SECRET_BYTES = 32;

    public GatewayKey {
        if (id <= 0) {
            throw new IllegalArgumentException("id: " + id + " (expected: > 0)");
        }
        if (secret.length != SECRET_BYTES) {
            throw new IllegalArgumentException("secret: " + secret.length + " bytes (expected: " + SECRET_BYTES + ")");
        }
        secret = secret.clone();
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof GatewayKey key && key.id == id && Arrays.equals(key.secret, secret);
    }

    @Override
    public int hashCode() {
        return id;
    }

    @Override
    public String toString() {
        return "GatewayKey[id=" + id + ", secret=<hidden>]";
    }
}
