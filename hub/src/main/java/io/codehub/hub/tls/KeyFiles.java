package io.codehub.hub.tls;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import io.codehub.pki.Pem;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * A certificate chain and its private key from PEM files, for Netty's {@link SslContextBuilder}.
 * Read with the project's own PEM reader rather than Netty's file overloads: Netty's loads
 * BouncyCastle's JCA provider to read a PEM key (0.4 s of CPU at start), and keeps the key for
 * OpenSSL in an in-memory PKCS#12 store that encrypts it with 10,000 rounds of PBKDF2; the store
 * never leaves memory, so the plain JKS one does. On a 2-core machine shared with a reconnecting
 * fleet, the hub's TLS contexts took about a second of its start each; now about half that.
 * Errors name the file ({@link io.codehub.pki.PkiException}).
 */
public final class KeyFiles {

    /** The in-memory store Netty copies the key to for OpenSSL. */
    private static final String KEY_STORE_TYPE = "JKS";

    private KeyFiles() {
    }

    /** A server context's builder with the certificate chain in {@code chain} and the key in {@code key}. */
    public static SslContextBuilder forServer(Path chain, Path key) {
        return SslContextBuilder.forServer(privateKey(key), certificates(chain)).keyStoreType(KEY_STORE_TYPE);
    }

    /** Gives a client context's {@code builder} the certificate chain in {@code chain} and the key in {@code key}. */
    public static SslContextBuilder withClientKey(SslContextBuilder builder, Path chain, Path key) {
        return builder.keyManager(privateKey(key), certificates(chain)).keyStoreType(KEY_STORE_TYPE);
    }

    private static PrivateKey privateKey(Path file) {
        return Pem.readPrivateKey(file, null);
    }

    private static List<X509Certificate> certificates(Path file) {
        return Pem.readCertificates(file);
    }
}
