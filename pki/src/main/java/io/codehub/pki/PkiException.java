package io.codehub.pki;

/**
 * A PKI operation failed for a reason the caller can act on: a file that does not hold what it
 * should, a wrong passphrase, a refused CSR, a CA directory that is missing or damaged. The message
 * names the operation and the file or value at fault, and never contains key material.
 */
public class PkiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PkiException(String message) {
        super(message);
    }

    public PkiException(String message, Throwable cause) {
        super(message, cause);
    }
}
