package io.codehub.agent.auth;

import java.nio.file.Path;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;

import io.codehub.pki.Pem;
import io.codehub.pki.PkiException;

/**
 * Reads the hub's ES256 (EC P-256) public key from a PEM {@code PUBLIC KEY} file, as the hub serves
 * it ({@code publicKeyPem} of {@code GET /api/v1/hub}). The PEM is read by {@link Pem}; this class
 * adds what a token key must be.
 */
public final class HubPublicKey {

    private HubPublicKey() {
    }

    /**
     * The key in {@code file}.
     *
     * @throws PkiException when the file cannot be read or holds no readable {@code PUBLIC KEY}
     * @throws IllegalArgumentException when the key is not on EC P-256
     */
    public static ECPublicKey read(Path file) {
        return p256(Pem.readPublicKey(file), file.toString());
    }

    /** {@code key}, when it is an EC P-256 key (what ES256 verifies with). */
    static ECPublicKey p256(PublicKey key, String source) {
        if (!(key instanceof ECPublicKey ec)) {
            throw new IllegalArgumentException(source + ": " + key.getAlgorithm() + " key (expected: EC P-256 for ES256)");
        }
        int bits = ec.getParams().getCurve().getField().getFieldSize();
        if (bits != 256) {
            throw new IllegalArgumentException(source + ": EC key on a " + bits + "-bit curve (expected: P-256 for ES256)");
        }
        return ec;
    }
}
