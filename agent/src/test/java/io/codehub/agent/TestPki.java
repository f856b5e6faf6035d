package io.codehub.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import io.codehub.pki.CertificateAuthority;
import io.codehub.pki.InitOptions;
import io.codehub.pki.IssuedCertificate;
import io.codehub.pki.Pem;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * A codehub CA made in a test directory with the pki library, and the certificates the agent's TLS
 * tests need: the hub's certificate (localhost, 127.0.0.1 and the hub's identity
 * {@code spiffe://codehub/hub}; the hub presents it as a client on direct calls too) and agent
 * certificates. Nothing is checked in.
 */
public final class TestPki {

    /** A private key and its chain, leaf first. */
    public record KeyAndChain(PrivateKey key, List<X509Certificate> chain) {

        public KeyAndChain(IssuedCertificate issued) {
            this(issued.privateKey(), issued.chain());
        }

        /** Writes {@code <prefix>-cert.pem} and {@code <prefix>-key.pem}, as {@code codehub pki issue} does. */
        public void write(Path dir, String prefix) {
            Pem.writePublic(dir.resolve(prefix + "-cert.pem"), Pem.encode(chain));
            Pem.writePrivate(dir.resolve(prefix + "-key.pem"), Pem.encode(key, null));
        }
    }

    private final Path dir;
    private final CertificateAuthority ca;

    private TestPki(Path dir, CertificateAuthority ca) {
        this.dir = dir;
        this.ca = ca;
    }

    /** A new CA in {@code dir} (which must not hold one yet). */
    public static TestPki create(Path dir) {
        return new TestPki(dir, CertificateAuthority.init(dir, InitOptions.defaults()));
    }

    public CertificateAuthority ca() {
        return ca;
    }

    /** The trust bundle the agent is given as {@code CODEHUB_AGENT_TLS_CA}. */
    public Path caPem() {
        return dir.resolve("ca.pem");
    }

    public List<X509Certificate> trust() {
        return ca.trustBundle();
    }

    /** The hub's certificate, for {@code localhost} and 127.0.0.1, with URI SAN {@code spiffe://codehub/hub}. */
    public KeyAndChain server() {
        return new KeyAndChain(ca.issueServer(List.of("localhost"), List.of(InetAddress.getLoopbackAddress()),
                Duration.ofDays(1)));
    }

    public KeyAndChain agent(String agentId) {
        return new KeyAndChain(ca.issueAgent(agentId, Duration.ofDays(1)));
    }

    /** The hub's tunnel TLS: this CA's server certificate; a client certificate is asked for and verified when sent. */
    public SslContext hubTls() {
        KeyAndChain server = server();
        try {
            return SslContextBuilder.forServer(server.key(), server.chain())
                    .clientAuth(ClientAuth.OPTIONAL)
                    .trustManager(trust())
                    .build();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deletes a test directory tree. */
    public static void delete(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
