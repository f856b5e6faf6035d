package io.codehub.pki;

/**
 * A certificate chain did not validate: no path to a trust anchor, expired or not yet valid,
 * revoked, or without the identity or key purpose the caller requires.
 */
public final class CertificateRejectedException extends PkiException {

    private static final long serialVersionUID = 1L;

    public CertificateRejectedException(String message) {
        super(message);
    }

    public CertificateRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
