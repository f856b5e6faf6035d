package io.codehub.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;

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
    void publicKeysAreWrittenAsOpensslDoesAndReadBack() throws Exception {
        String pem = Pem.encode(keys.getPublic());
        assertThat(pem).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("\n-----END PUBLIC KEY-----\n");
        assertThat(pem.lines().filter(line -> !line.startsWith("-----"))).allMatch(line -> line.length() <= 64);
        // an independent reading: the body is the X.509 SubjectPublicKeyInfo in base64
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PublicKey decoded = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
        assertThat(decoded).isEqualTo(keys.getPublic());

        Path file = tmp.resolve("hub-public.pem");
        Pem.writePublic(file, pem);
        assertThat(Pem.readPublicKey(file)).isEqualTo(keys.getPublic());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");
        KeyPair rsa = Crypto.generate(KeyType.RSA_3072);
        assertThat(Pem.parsePublicKey(Pem.encode(rsa.getPublic()), "rsa.pem")).isEqualTo(rsa.getPublic());
    }

    @Test
    void publicKeysWithCrlfLineEndsOrTextAroundAreRead() {
        String crlf = "a comment\r\n" + Pem.encode(keys.getPublic()).replace("\n", "\r\n");
        assertThat(Pem.parsePublicKey(crlf, "crlf.pem")).isEqualTo(keys.getPublic());
    }

    @Test
    void aPublicKeyFileHoldingSomethingElseIsNamed() {
        assertThatThrownBy(() -> Pem.parsePublicKey(Pem.encode(keys.getPrivate(), null), "hub-public.pem"))
                .isInstanceOf(PkiException.class)
                .hasMessage("hub-public.pem holds a PRIVATE KEY, expected a PUBLIC KEY");
        assertThatThrownBy(() -> Pem.parsePublicKey("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "bad.pem"))
                .isInstanceOf(PkiException.class)
                .hasMessageStartingWith("bad.pem: unreadable PUBLIC KEY: ");
        assertThatThrownBy(() -> Pem.parsePublicKey("", "empty.pem"))
                .hasMessage("empty.pem holds no PEM data, expected a PUBLIC KEY");
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
