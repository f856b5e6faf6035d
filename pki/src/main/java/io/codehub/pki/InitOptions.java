package io.codehub.pki;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * How {@link CertificateAuthority#init} makes a new CA. Start from {@link #defaults()} and change
 * what differs: {@code InitOptions.defaults().withKeyType(KeyType.RSA_3072)}.
 *
 * @param keyType the CA key algorithm; ECDSA P-256 by default
 * @param subject the CA's distinguished name in RFC 4514 form; must contain a CN
 * @param validity how long the CA certificate is valid; 10 years (3650 days) by default
 * @param passphrase encrypts the CA key file when not null; the CA keeps a copy to reload the key
 */
public record InitOptions(KeyType keyType, String subject, Duration validity, char @Nullable [] passphrase) {

    /** The default CA subject. */
    public static final String DEFAULT_SUBJECT = "CN=codehub CA";
    /** The default CA validity: 3650 days. */
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(3650);
    /** The longest CA validity accepted: 30 years. */
    public static final Duration MAX_VALIDITY = Duration.ofDays(30 * 365);

    public InitOptions {
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(validity, "validity");
        if (validity.compareTo(Duration.ofDays(1)) < 0 || validity.compareTo(MAX_VALIDITY) > 0) {
            throw new IllegalArgumentException("CA validity: " + validity.toDays() + "d (expected: 1d to "
                    + MAX_VALIDITY.toDays() + "d)");
        }
        if (subject.length() > 1024) {
            throw new IllegalArgumentException("CA subject: " + subject.length() + " characters (expected: at most 1024)");
        }
    }

    /** ECDSA P-256, {@code CN=codehub CA}, 10 years, key not encrypted. */
    public static InitOptions defaults() {
        return new InitOptions(KeyType.EC_P256, DEFAULT_SUBJECT, DEFAULT_VALIDITY, null);
    }

    public InitOptions withKeyType(KeyType type) {
        return new InitOptions(type, subject, validity, passphrase);
    }

    public InitOptions withSubject(String distinguishedName) {
        return new InitOptions(keyType, distinguishedName, validity, passphrase);
    }

    public InitOptions withValidity(Duration duration) {
        return new InitOptions(keyType, subject, duration, passphrase);
    }

    public InitOptions withPassphrase(char @Nullable [] secret) {
        return new InitOptions(keyType, subject, validity, secret);
    }

    @Override
    public String toString() {
        return "InitOptions[keyType=" + keyType + ", subject=" + subject + ", validity=" + validity
                + ", passphrase=" + (passphrase == null ? "none" : "***") + "]";
    }
}
