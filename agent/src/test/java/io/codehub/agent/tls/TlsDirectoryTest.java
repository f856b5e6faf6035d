package io.codehub.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.codehub.agent.TestPki;
import io.codehub.pki.Pem;
import io.codehub.web.ConfigurationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS directory: 0600 files, refusals at start-up, and finishing a commit a crash interrupted. */
class TlsDirectoryTest {

    @TempDir
    static Path caDir;
    static TestPki pki;

    @TempDir
    Path dir;

    @BeforeAll
    static void ca() {
        pki = TestPki.create(caDir);
    }

    @Test
    void storesBothFilesWithMode0600AndReadsThemBack() throws Exception {
        TlsDirectory directory = new TlsDirectory(dir.resolve("tls"), "agent-1");
        assertThat(directory.load()).isEmpty();
        Credential credential = credential("agent-1");
        directory.store(credential);
        assertThat(files(dir.resolve("tls"))).isEqualTo(Set.of("agent-key.pem", "agent-cert.pem"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tls")))).isEqualTo("rwx------");
        for (String name : Set.of("agent-key.pem", "agent-cert.pem")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tls").resolve(name))))
                    .isEqualTo("rw-------");
        }
        assertThat(directory.load()).hasValueSatisfying(loaded -> assertThat(loaded.leaf()).isEqualTo(credential.leaf()));
    }

    @Test
    void aCrashAfterBothNewFilesWereWrittenRollsForward() throws Exception {
        TlsDirectory directory = new TlsDirectory(dir, "agent-1");
        directory.store(credential("agent-1"));
        Credential next = credential("agent-1");
        Pem.writePrivate(dir.resolve("agent-key.pem.next"), Pem.encode(next.key(), null));
        Pem.writePrivate(dir.resolve("agent-cert.pem.next"), Pem.encode(next.chain()));
        assertThat(directory.load()).hasValueSatisfying(loaded -> assertThat(loaded.leaf()).isEqualTo(next.leaf()));
        assertThat(files(dir)).isEqualTo(Set.of("agent-key.pem", "agent-cert.pem"));
    }

    @Test
    void aCrashBetweenTheTwoRenamesRollsForward() throws Exception {
        TlsDirectory directory = new TlsDirectory(dir, "agent-1");
        directory.store(credential("agent-1"));
        Credential next = credential("agent-1");
        Pem.writePrivate(dir.resolve("agent-key.pem"), Pem.encode(next.key(), null));
        Pem.writePrivate(dir.resolve("agent-cert.pem.next"), Pem.encode(next.chain()));
        assertThat(directory.load()).hasValueSatisfying(loaded -> {
            assertThat(loaded.leaf()).isEqualTo(next.leaf());
            assertThat(loaded.keyMatchesCertificate()).isTrue();
        });
    }

    @Test
    void aCrashBeforeTheNewCertificateWasWrittenKeepsTheOldPair() throws Exception {
        TlsDirectory directory = new TlsDirectory(dir, "agent-1");
        Credential old = credential("agent-1");
        directory.store(old);
        Pem.writePrivate(dir.resolve("agent-key.pem.next"), Pem.encode(credential("agent-1").key(), null));
        assertThat(directory.load()).hasValueSatisfying(loaded -> assertThat(loaded.leaf()).isEqualTo(old.leaf()));
        assertThat(files(dir)).isEqualTo(Set.of("agent-key.pem", "agent-cert.pem"));
    }

    @Test
    void refusesAServerCertificateThatNamesNoAgent() {
        pki.server().write(dir, "agent");
        assertThatThrownBy(() -> new TlsDirectory(dir, "agent-1").load())
                .isInstanceOfSatisfying(ConfigurationException.class, e -> {
                    assertThat(e.variable()).isEqualTo("CODEHUB_AGENT_TLS_DIR");
                    assertThat(e.getMessage()).contains("names no agent");
                });
    }

    private static Credential credential(String agentId) {
        TestPki.KeyAndChain issued = pki.agent(agentId);
        return new Credential(issued.key(), issued.chain());
    }

    private static Set<String> files(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
