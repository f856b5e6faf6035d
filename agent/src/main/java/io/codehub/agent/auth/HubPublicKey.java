package io.codehub.agent.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** Reads the hub's ES256 (EC P-256) public key from a PEM {@code PUBLIC KEY} file. */
public final class HubPublicKey {

    private static final int MAX_PEM_BYTES = 16 * 1024;

    private HubPublicKey() {
    }

    /** The key in {@code file}; {@link IllegalArgumentException} says what is wrong with it. */
    public static ECPublicKey read(Path file) throws IOException {
        if (Files.size(file) > MAX_PEM_BYTES) {
            throw new IllegalArgumentException(file + " is larger than " + MAX_PEM_BYTES + " bytes; expected one PEM public key");
        }
        return parse(Files.readString(file, StandardCharsets.US_ASCII));
    }

    /** Parses a PEM {@code -----BEGIN PUBLIC KEY-----} block holding an EC P-256 key. */
    public static ECPublicKey parse(String pem) {
        int begin = pem.indexOf("-----BEGIN PUBLIC KEY-----");
        int end = pem.indexOf("-----END PUBLIC KEY-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("not a PEM public key (expected a -----BEGIN PUBLIC KEY----- block)");
        }
        String base64 = pem.substring(begin + "-----BEGIN PUBLIC KEY-----".length(), end).replaceAll("\\s", "");
        try {
            var key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
            ECPublicKey ec = (ECPublicKey) key;
            if (ec.getParams().getCurve().getField().getFieldSize() != 256) {
                throw new IllegalArgumentException("EC key on a " + ec.getParams().getCurve().getField().getFieldSize()
                        + "-bit curve (expected: P-256 for ES256)");
            }
            return ec;
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null && iae.getMessage().startsWith("EC key")) {
                throw iae;
            }
            throw new IllegalArgumentException("not an EC P-256 public key: " + e.getMessage(), e);
        }
    }
}
