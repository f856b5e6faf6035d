package io.codehub.agent.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.codehub.pki.Serials;

/**
 * The agent's client credential: its private key and the certificate chain (leaf first) that the
 * hub issued for it. Immutable; {@link #toString()} shows the leaf's subject, serial and validity,
 * never the key.
 */
record Credential(PrivateKey key, List<X509Certificate> chain) {

    Credential {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("chain: empty (expected: the certificate, then its CA chain)");
        }
    }

    X509Certificate leaf() {
        return chain.get(0);
    }

    Instant notBefore() {
        return leaf().getNotBefore().toInstant();
    }

    Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    boolean expiredAt(Instant now) {
        return !now.isBefore(notAfter());
    }

    /**
     * When to renew: {@code fraction} of the way from notBefore to notAfter. The CA backdates
     * notBefore by a few minutes for peers whose clock lags, which matters only for very short
     * certificates (tests).
     */
    Instant renewalPoint(double fraction) {
        Duration lifetime = Duration.between(notBefore(), notAfter());
        return notBefore().plusMillis((long) (lifetime.toMillis() * fraction));
    }

    /** Whether {@link #key()} is the private half of the leaf's public key: it signs, the certificate verifies. */
    boolean keyMatchesCertificate() {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null || !key.getAlgorithm().equals(leaf().getPublicKey().getAlgorithm())) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf().getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "Credential[" + describe(leaf()) + "]";
    }

    static String describe(X509Certificate certificate) {
        return "serial " + Serials.hex(certificate) + ", "
                + certificate.getSubjectX500Principal().getName() + ", valid " + certificate.getNotBefore().toInstant() + " to " + certificate.getNotAfter().toInstant();
    }
}
