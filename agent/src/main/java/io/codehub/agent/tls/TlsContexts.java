package io.codehub.agent.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.jspecify.annotations.Nullable;

/** The two client TLS contexts made from the same material: Netty's for the tunnel, the JDK's for enrolment. */
final class TlsContexts {

    private static final char[] IN_MEMORY = "in-memory".toCharArray();

    private TlsContexts() {
    }

    /**
     * @param trust the CA certificates to trust, or null for the JDK's default trust store
     * @param credential the client certificate to present, or null for none
     */
    static SslContext tunnel(@Nullable List<X509Certificate> trust, @Nullable Credential credential) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient().protocols("TLSv1.3", "TLSv1.2");
        if (trust != null) {
            builder.trustManager(trust);
        }
        if (credential != null) {
            builder.keyManager(credential.key(), credential.chain());
        }
        return builder.build();
    }

    static SSLContext enrolment(@Nullable List<X509Certificate> trust, @Nullable Credential credential)
            throws GeneralSecurityException {
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (trust == null) {
            trustManagers.init((KeyStore) null);
        } else {
            KeyStore store = emptyStore();
            for (int i = 0; i < trust.size(); i++) {
                store.setCertificateEntry("ca-" + i, trust.get(i));
            }
            trustManagers.init(store);
        }
        KeyManager[] keyManagers = null;
        if (credential != null) {
            KeyStore store = emptyStore();
            store.setKeyEntry("agent", credential.key(), IN_MEMORY, credential.chain().toArray(X509Certificate[]::new));
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, IN_MEMORY);
            keyManagers = factory.getKeyManagers();
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers, trustManagers.getTrustManagers(), null);
        return context;
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException("empty key store: " + e.getMessage(), e);
        }
        return store;
    }
}
