package io.codehub.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A certificate the CA issued with a key pair it generated: the private key, the certificate and
 * the chain to present in TLS (the certificate, then the cross certificate while a CA rotation is
 * in progress; never the root). {@code toString} never shows the key.
 */
public final class IssuedCertificate {

    private final PrivateKey privateKey;
    private final List<X509Certificate> chain;

    IssuedCertificate(PrivateKey privateKey, List<X509Certificate> chain) {
        this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("chain: empty (expected: the certificate first)");
        }
        this.chain = List.copyOf(chain);
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** The certificate first, then any intermediate (the cross certificate during a CA rotation). */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** The chain as PEM, ready for a TLS certificate file. */
    public String chainPem() {
        return Pem.encode(chain);
    }

    /** The private key as PKCS#8 PEM, encrypted when {@code passphrase} is not null. */
    public String privateKeyPem(char @Nullable [] passphrase) {
        return Pem.encode(privateKey, passphrase);
    }

    @Override
    public String toString() {
        X509Certificate certificate = certificate();
        return "IssuedCertificate[subject=" + certificate.getSubjectX500Principal().getName() + ", serial="
                + Serials.hex(certificate) + ", notAfter=" + certificate.getNotAfter().toInstant() + "]";
    }
}
