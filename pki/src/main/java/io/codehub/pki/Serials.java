package io.codehub.pki;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.Locale;

/** Certificate serial numbers as people and OpenSSL write them: upper-case hex, no separators. */
public final class Serials {

    private Serials() {
    }

    /** {@code serial} in upper-case hex, as {@code openssl x509 -serial} prints it. */
    public static String hex(BigInteger serial) {
        return serial.toString(16).toUpperCase(Locale.ROOT);
    }

    /** The serial of {@code certificate} in upper-case hex. */
    public static String hex(X509Certificate certificate) {
        return hex(certificate.getSerialNumber());
    }
}
