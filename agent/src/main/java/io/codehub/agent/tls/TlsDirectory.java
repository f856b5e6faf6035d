package io.codehub.agent.tls;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

import io.codehub.pki.AgentIdentity;
import io.codehub.pki.Pem;
import io.codehub.pki.PkiException;
import io.codehub.web.ConfigurationException;

/**
 * {@code CODEHUB_AGENT_TLS_DIR}: the agent's key {@code agent-key.pem} and certificate chain
 * {@code agent-cert.pem}, both mode 0600.
 *
 * <h2>Crash safety</h2>
 * A new pair is committed in four steps, each file written whole (temporary file, fsync, rename):
 * (1) {@code agent-key.pem.next}, (2) {@code agent-cert.pem.next}, (3) rename the key into place,
 * (4) rename the certificate into place. {@link #load()} first finishes an interrupted commit: a
 * {@code .next} certificate means both new files are complete, so it rolls forward; a lone
 * {@code .next} key means step 2 never finished, so it is deleted. The directory therefore never
 * holds a certificate without its key after a crash.
 */
final class TlsDirectory {

    static final String KEY_FILE = "agent-key.pem";
    static final String CERT_FILE = "agent-cert.pem";
    private static final String NEXT = ".next";
    private static final String VARIABLE = "CODEHUB_AGENT_TLS_DIR";

    private final Path dir;
    private final String agentId;

    TlsDirectory(Path dir, String agentId) {
        this.dir = dir;
        this.agentId = agentId;
    }

    Path keyFile() {
        return dir.resolve(KEY_FILE);
    }

    Path certificateFile() {
        return dir.resolve(CERT_FILE);
    }

    /**
     * The stored credential, after finishing an interrupted commit; empty when neither file exists.
     *
     * @throws ConfigurationException naming {@code CODEHUB_AGENT_TLS_DIR} when only one file exists, a
     *     file does not hold what it should, the certificate names another agent, or the key does not
     *     belong to the certificate
     */
    Optional<Credential> load() {
        recover();
        boolean key = Files.exists(keyFile());
        boolean certificate = Files.exists(certificateFile());
        if (!key && !certificate) {
            return Optional.empty();
        }
        if (key != certificate) {
            throw new ConfigurationException(VARIABLE, dir + " holds " + (key ? KEY_FILE + " but no " + CERT_FILE
                    : CERT_FILE + " but no " + KEY_FILE),
                    "Put the agent's certificate chain and its key there together (codehub pki issue agent --agent-id "
                            + agentId + " --out " + dir.resolve("agent") + "), or delete both to enrol anew "
                            + "(CODEHUB_AGENT_TLS_ENROLL=true).");
        }
        List<X509Certificate> chain;
        PrivateKey privateKey;
        try {
            chain = Pem.readCertificates(certificateFile());
            privateKey = Pem.readPrivateKey(keyFile(), null);
        } catch (PkiException e) {
            throw new ConfigurationException(VARIABLE, e.getMessage(),
                    CERT_FILE + " must hold the agent's PEM certificate chain (leaf first) and " + KEY_FILE
                            + " its unencrypted PKCS#8 key, as codehub pki issue agent writes them.", e);
        }
        Credential credential = new Credential(privateKey, chain);
        Optional<String> named = AgentIdentity.agentId(credential.leaf());
        if (named.isEmpty()) {
            throw new ConfigurationException(VARIABLE, certificateFile() + " names no agent (" + credential
                    + "; expected one URI SAN " + AgentIdentity.URI_PREFIX + agentId + ")",
                    "Use a certificate codehub issued for this agent (codehub pki issue agent --agent-id " + agentId + ").");
        }
        if (!named.get().equals(agentId)) {
            throw new ConfigurationException(VARIABLE, certificateFile() + " names agent '" + named.get()
                    + "', but CODEHUB_AGENT_ID is '" + agentId + "'",
                    "Use this agent's own certificate and key, or correct CODEHUB_AGENT_ID.");
        }
        if (!credential.keyMatchesCertificate()) {
            throw new ConfigurationException(VARIABLE, keyFile() + " is not the key of the certificate in "
                    + certificateFile(),
                    "Put the key that was issued with this certificate there, or delete both files to enrol anew "
                            + "(CODEHUB_AGENT_TLS_ENROLL=true).");
        }
        return Optional.of(credential);
    }

    /** Commits a new key and chain (see the class comment); the old pair stays until the new one is complete. */
    void store(Credential credential) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path nextKey = next(keyFile());
            Path nextCertificate = next(certificateFile());
            Pem.writePrivate(nextKey, Pem.encode(credential.key(), null));
            Pem.writePrivate(nextCertificate, Pem.encode(credential.chain()));
            move(nextKey, keyFile());
            move(nextCertificate, certificateFile());
            syncDirectory();
        } catch (IOException | PkiException e) {
            throw new ConfigurationException(VARIABLE, "cannot store the agent certificate in " + dir + ": "
                    + e.getMessage(), "Give the agent's user a writable directory (mode 0700) there.", e);
        }
    }

    private void recover() {
        Path nextKey = next(keyFile());
        Path nextCertificate = next(certificateFile());
        try {
            if (Files.exists(nextCertificate)) {
                if (Files.exists(nextKey)) {
                    move(nextKey, keyFile());
                }
                move(nextCertificate, certificateFile());
                syncDirectory();
            } else {
                Files.deleteIfExists(nextKey);
            }
        } catch (IOException e) {
            throw new ConfigurationException(VARIABLE, "cannot finish an interrupted certificate update in " + dir
                    + ": " + e.getMessage(), "Make the directory writable by the agent's user.", e);
        }
    }

    private static Path next(Path file) {
        return file.resolveSibling(file.getFileName() + NEXT);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes the renames durable; not every file system lets a directory be opened, which is harmless. */
    private void syncDirectory() {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort: the files themselves were forced before their rename
        }
    }
}
