package io.codehub.hub.tls;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import io.codehub.pki.Pem;
import io.codehub.tunnel.ServerTls;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * A certificate chain and its private key from PEM files, for Netty's {@link SslContextBuilder},
 * read with the project's own PEM reader and kept in a JKS store ({@link ServerTls} says why: on a
 * 2-core machine shared with a reconnecting fleet, Netty's file overloads cost the hub's start
 * about a second for each context). Errors name the file ({@link io.codehub.pki.PkiException}).
 */
public final class KeyFiles {

    private KeyFiles() {
    }

    /** A server context's builder with the certificate chain in {@code chain} and the key in {@code key}. */
    public static SslContextBuilder forServer(Path chain, Path key) {
        return ServerTls.forServer(privateKey(key), certificates(chain));
    }

    /** Gives a client context's {@code builder} the certificate chain in {@code chain} and the key in {@code key}. */
    public static SslContextBuilder withClientKey(SslContextBuilder builder, Path chain, Path key) {
        return builder.keyManager(privateKey(key), certificates(chain)).keyStoreType(ServerTls.KEY_STORE_TYPE);
    }

    private static PrivateKey privateKey(Path file) {
        return Pem.readPrivateKey(file, null);
    }

    private static List<X509Certificate> certificates(Path file) {
        return Pem.readCertificates(file);
    }
}
