package io.codehub.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {

    @TempDir
    Path tmp;

    private final KeyPair keys = Csrs.generateKeyPair();

    @Test
    void privateKeysRoundTripPlainAndEncrypted() {
        Path plain = tmp.resolve("plain.pem");
        Pem.writePrivate(plain, Pem.encode(keys.getPrivate(), null));
        assertThat(Pem.readPrivateKey(plain, null)).isEqualTo(keys.getPrivate());

        Path encrypted = tmp.resolve("encrypted.pem");
        Pem.writePrivate(encrypted, Pem.encode(keys.getPrivate(), "s3cret".toCharArray()));
        assertThat(Pem.readText(encrypted)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
        PrivateKey read = Pem.readPrivateKey(encrypted, "s3cret".toCharArray());
        assertThat(read.getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
    }

    @Test
    void privateKeysAreWrittenOwnerOnly() throws Exception {
        Path file = tmp.resolve("key.pem");
        Pem.writePrivate(file, Pem.encode(keys.getPrivate(), null));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var files = Files.list(tmp)) {
            assertThat(files).as("no temp file left").containsExactly(file);
        }
    }

    @Test
    void wrongContentIsNamed() {
        CertificateAuthority ca = CertificateAuthority.init(tmp.resolve("ca"), InitOptions.defaults());
        Path cert = tmp.resolve("ca/ca-cert.pem");
        Path crl = tmp.resolve("ca/crl.pem");
        assertThatThrownBy(() -> Pem.readPrivateKey(cert, null))
                .isInstanceOf(PkiException.class)
                .hasMessage(cert + " holds a CERTIFICATE, expected a PRIVATE KEY");
        assertThatThrownBy(() -> Pem.readCertificates(crl))
                .isInstanceOf(PkiException.class)
                .hasMessage(crl + " holds an X509 CRL, expected a CERTIFICATE");
        Path empty = tmp.resolve("empty.pem");
        Pem.writePublic(empty, "nothing here\n");
        assertThatThrownBy(() -> Pem.readCrls(empty))
                .isInstanceOf(PkiException.class)
                .hasMessage(empty + " holds no PEM data, expected an X509 CRL");
        assertThatThrownBy(() -> Pem.readCertificate(tmp.resolve("missing.pem")))
                .isInstanceOf(PkiException.class)
                .hasMessageEndingWith("missing.pem: no such file");
        assertThat(ca.issueAgent("a", Duration.ofDays(1)).chainPem()).startsWith("-----BEGIN CERTIFICATE-----");
    }

    @Test
    void wrongOrMissingPassphraseIsExplained() {
        String pem = Pem.encode(keys.getPrivate(), "right".toCharArray());
        assertThatThrownBy(() -> Pem.parsePrivateKey(pem, "wrong".toCharArray(), "key.pem"))
                .isInstanceOf(PkiException.class)
                .hasMessage("key.pem: cannot decrypt the private key (wrong passphrase?)");
        assertThatThrownBy(() -> Pem.parsePrivateKey(pem, null, "key.pem"))
                .isInstanceOf(PkiException.class)
                .hasMessage("key.pem holds an encrypted private key and no passphrase was given");
    }

    @Test
    void oversizedFilesAreRefusedBeforeReading() throws Exception {
        Path big = tmp.resolve("big.pem");
        Files.write(big, new byte[Pem.MAX_FILE_BYTES + 1]);
        assertThatThrownBy(() -> Pem.readCertificates(big))
                .isInstanceOf(PkiException.class)
                .hasMessageContaining("(expected: at most " + Pem.MAX_FILE_BYTES + ")");
    }
}
