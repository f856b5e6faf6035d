package io.codehub.hub.cluster;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

/**
 * The tokens one hub shows another on the relay ({@code codehub-relay-authorization}):
 * {@code chr1.<hub id>.<expiry, epoch seconds>.<HMAC-SHA256, base64url>}, signed with the key every
 * hub reads from the database ({@code cluster_keys}). Only hubs on the same database can mint one;
 * a token names the hub that made it (for logs) and expires after {@link #TTL}, with
 * {@link #CLOCK_SKEW} allowed between the hubs' clocks. A hub reuses its token until it is halfway
 * through its life.
 */
final class RelayTokens {

    static final String PREFIX = "chr1.";
    static final Duration TTL = Duration.ofMinutes(5);
    static final Duration CLOCK_SKEW = Duration.ofSeconds(30);
    /** Relay keys are 32 random bytes, base64url in the database. */
    static final int KEY_BYTES = 32;
    private static final int MAX_TOKEN_CHARS = 256;

    private final SecretKeySpec key;
    private final String hubId;
    private final Clock clock;
    private volatile @Nullable Minted current;

    RelayTokens(byte[] secret, String hubId, Clock clock) {
        if (secret.length < KEY_BYTES) {
            throw new IllegalArgumentException("relay key: " + secret.length + " bytes (expected: at least "
                    + KEY_BYTES + ")");
        }
        this.key = new SecretKeySpec(secret, "HmacSHA256");
        this.hubId = hubId;
        this.clock = clock;
    }

    /** This hub's token now (minted again when half its life is gone). */
    String token() {
        Instant now = clock.instant();
        Minted minted = current;
        if (minted == null || now.isAfter(minted.renewAt)) {
            long expires = now.plus(TTL).getEpochSecond();
            String payload = PREFIX + hubId + "." + expires;
            minted = new Minted(payload + "." + sign(payload), now.plus(TTL.dividedBy(2)));
            current = minted;
        }
        return minted.token;
    }

    /** The id of the hub that minted {@code token}, or null when it is not a valid, unexpired token. */
    @Nullable String verify(@Nullable CharSequence token) {
        if (token == null || token.length() > MAX_TOKEN_CHARS) {
            return null;
        }
        String text = token.toString();
        int signature = text.lastIndexOf('.');
        int expiry = signature < 0 ? -1 : text.lastIndexOf('.', signature - 1);
        if (!text.startsWith(PREFIX) || expiry <= PREFIX.length()) {
            return null;
        }
        String payload = text.substring(0, signature);
        byte[] expected = sign(payload).getBytes(StandardCharsets.US_ASCII);
        byte[] actual = text.substring(signature + 1).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, actual)) {
            return null;
        }
        long expires;
        try {
            expires = Long.parseLong(text.substring(expiry + 1, signature));
        } catch (NumberFormatException e) {
            return null;
        }
        if (clock.instant().minus(CLOCK_SKEW).getEpochSecond() > expires) {
            return null;
        }
        return text.substring(PREFIX.length(), expiry);
    }

    private String sign(String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256: " + e.getMessage(), e);
        }
    }

    private record Minted(String token, Instant renewAt) {
    }
}
