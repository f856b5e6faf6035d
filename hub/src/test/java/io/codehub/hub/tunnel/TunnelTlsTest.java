package io.codehub.hub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.codehub.hub.config.TunnelProperties;
import io.codehub.hub.pki.HubPki;
import io.codehub.pki.CertificateAuthority;
import io.codehub.pki.InitOptions;
import io.codehub.pki.IssuedCertificate;
import io.codehub.pki.KeyType;
import io.netty.handler.ssl.SslContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tunnel port's TLS follows its files: a renewed certificate is used for the next connections. */
class TunnelTlsTest {

    @TempDir
    Path dir;

    @Test
    void aRenewedCertificateReplacesTheContextAndAHalfWrittenOneKeepsTheOld() throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), new InitOptions(KeyType.EC_P256,
                "CN=tls test", Duration.ofDays(30), null));
        Path cert = dir.resolve("hub-cert.pem");
        Path key = dir.resolve("hub-key.pem");
        write(ca.issueServer(List.of("localhost"), List.of(), Duration.ofDays(1)), cert, key, 1);
        TunnelProperties properties = new TunnelProperties(0, "127.0.0.1", cert, key, Duration.ofSeconds(1),
                Duration.ofHours(1), "none", 10, Duration.ofSeconds(6),
                Duration.ofSeconds(10), 128, 0, 32);
        TunnelTls tls = new TunnelTls(properties, HubPki.disabled());
        SslContext first = tls.current();

        assertThat(tls.refresh()).as("nothing changed").isFalse();
        assertThat(tls.current()).isSameAs(first);

        write(ca.issueServer(List.of("localhost"), List.of(), Duration.ofDays(1)), cert, key, 2);
        assertThat(tls.refresh()).as("changed since the last look: maybe still being written").isFalse();
        assertThat(tls.current()).isSameAs(first);
        assertThat(tls.refresh()).as("the same at the next look: taken").isTrue();
        SslContext second = tls.current();
        assertThat(second).isNotSameAs(first);

        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\ntruncated");
        Files.setLastModifiedTime(cert, FileTime.from(Instant.now().plusSeconds(3)));
        assertThat(tls.refresh()).isFalse();
        assertThat(tls.refresh()).as("an unusable file is not taken").isFalse();
        assertThat(tls.current()).isSameAs(second);
        assertThat(tls.refresh()).as("nor tried again until it changes").isFalse();
        assertThat(tls.current()).isSameAs(second);
    }

    private static void write(IssuedCertificate issued, Path cert, Path key, int generation) throws Exception {
        Files.writeString(cert, issued.chainPem());
        Files.writeString(key, issued.privateKeyPem(null));
        // Distinct modification times, whatever the file system's resolution.
        FileTime time = FileTime.from(Instant.now().plusSeconds(generation));
        Files.setLastModifiedTime(cert, time);
        Files.setLastModifiedTime(key, time);
    }
}
