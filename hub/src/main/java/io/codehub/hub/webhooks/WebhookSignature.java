package io.codehub.hub.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Codehub-Signature} header of a delivery: {@code t=<unix seconds>,v1=<hex>}, where the
 * hex is HMAC-SHA256 with the shared secret over {@code <t>.<body>}. The timestamp inside the
 * signed text lets a receiver refuse replays older than a few minutes; {@code v1} names the scheme,
 * so a later one can be sent beside it. Thread-safe.
 */
public final class WebhookSignature {

    /** The header's name. */
    public static final String HEADER = "Codehub-Signature";
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    public WebhookSignature(String secret) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    /** The header value for {@code body} sent at {@code epochSeconds}. */
    public String sign(long epochSeconds, byte[] body) {
        Mac mac = mac();
        mac.update((epochSeconds + ".").getBytes(StandardCharsets.US_ASCII));
        return "t=" + epochSeconds + ",v1=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    private Mac mac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(ALGORITHM + " is not available", e);
        }
    }

    @Override
    public String toString() {
        return "WebhookSignature[" + ALGORITHM + "]";
    }
}
