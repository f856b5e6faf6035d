package io.codehub.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

    @TempDir
    Path tmp;

    private final MutableClock clock = MutableClock.startingNow();

    @Test
    void initWritesTheDirectoryWithAPrivateKeyFile() throws Exception {
        Path dir = tmp.resolve("ca");
        CertificateAuthority ca = CertificateAuthority.init(dir, InitOptions.defaults(), clock);

        assertThat(dir.resolve("ca.pem")).exists();
        assertThat(dir.resolve("ca-cert.pem")).exists();
        assertThat(dir.resolve("crl.pem")).exists();
        assertThat(dir.resolve("index.tsv")).exists();
        Path key = dir.resolve("generations/1/ca-key.pem");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.pem"))))
                .isEqualTo("rw-r--r--");
        assertThat(Files.readString(key)).contains("BEGIN PRIVATE KEY");

        X509Certificate root = ca.certificate();
        assertThat(root.getSubjectX500Principal().getName()).isEqualTo("CN=codehub CA");
        assertThat(root.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
        assertThat(root.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(root.getKeyUsage()[6]).as("cRLSign").isTrue();
        assertThat(root.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(Duration.between(root.getNotBefore().toInstant(), root.getNotAfter().toInstant()).toDays())
                .isBetween(3649L, 3650L);
        assertThat(ca.trustBundle()).containsExactly(root);
        assertThat(Pem.readCertificates(dir.resolve("ca.pem"))).containsExactly(root);
        assertThat(ca.revocationList().crl().getRevokedCertificates()).isNull();
    }

    /**
     * Certificates are valid from 5 minutes before they are issued (and the CA's own from 5 minutes
     * before it was made), so a peer whose clock lags the hub's by up to 5 minutes accepts a
     * certificate the moment it arrives; never from before the CA's own validity.
     */
    @Test
    void certificatesAreBackdatedFiveMinutesForPeersWhoseClockLags() {
        Instant created = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        CertificateAuthority ca = CertificateAuthority.init(tmp, InitOptions.defaults(), clock);
        assertThat(ca.certificate().getNotBefore().toInstant()).isEqualTo(created.minus(Duration.ofMinutes(5)));
        assertThat(ca.issueAgent("fresh", Duration.ofDays(1)).certificate().getNotBefore().toInstant())
                .isEqualTo(created.minus(Duration.ofMinutes(5)));

        clock.advance(Duration.ofHours(1));
        Instant issued = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        X509Certificate agent = ca.issueAgent("later", Duration.ofDays(1)).certificate();
        assertThat(agent.getNotBefore().toInstant()).isEqualTo(issued.minus(Duration.ofMinutes(5)));
        X509Certificate server = ca.issueServer(List.of("hub.example"), List.of(), Duration.ofDays(1)).certificate();
        assertThat(server.getNotBefore().toInstant()).isEqualTo(issued.minus(Duration.ofMinutes(5)));
        assertThat(agent.getNotAfter().toInstant()).isEqualTo(issued.plus(Duration.ofDays(1)));
    }

    @Test
    void initRefusesADirectoryThatAlreadyHoldsACa() {
        CertificateAuthority.init(tmp, InitOptions.defaults(), clock);
        assertThatThrownBy(() -> CertificateAuthority.init(tmp, InitOptions.defaults(), clock))
                .isInstanceOf(PkiException.class)
                .hasMessageContaining("already holds a CA");
    }

    @Test
    void initTakesAnRsaKeySubjectAndValidity() {
        CertificateAuthority ca = CertificateAuthority.init(tmp, InitOptions.defaults().withKeyType(KeyType.RSA_3072)
                .withSubject("CN=Example CA,O=Example").withValidity(Duration.ofDays(365)), clock);

        assertThat(ca.certificate().getPublicKey()).isInstanceOfSatisfying(RSAPublicKey.class,
                key -> assertThat(key.getModulus().bitLength()).isEqualTo(3072));
        assertThat(ca.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=Example CA,O=Example");
        assertThat(ca.issueAgent("a1", Duration.ofDays(1)).certificate().getSigAlgName()).isEqualTo("SHA256withRSA");
    }

    @Test
    void initRefusesASubjectWithoutCn() {
        assertThatThrownBy(() -> CertificateAuthority.init(tmp, InitOptions.defaults().withSubject("O=Example"), clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no CN");
    }

    @Test
    void anEncryptedKeyNeedsItsPassphrase() throws Exception {
        char[] passphrase = "correct horse".toCharArray();
        CertificateAuthority.init(tmp, InitOptions.defaults().withPassphrase(passphrase), clock);
        assertThat(Files.readString(tmp.resolve("generations/1/ca-key.pem"))).contains("BEGIN ENCRYPTED PRIVATE KEY");

        assertThatThrownBy(() -> CertificateAuthority.open(tmp, null, clock))
                .isInstanceOf(PkiException.class)
                .hasMessageContaining("is encrypted: give the CA passphrase");
        assertThatThrownBy(() -> CertificateAuthority.open(tmp, "wrong".toCharArray(), clock))
                .isInstanceOf(PkiException.class)
                .hasMessageContaining("wrong passphrase");
        CertificateAuthority ca = CertificateAuthority.open(tmp, "correct horse".toCharArray(), clock);
        assertThat(ca.issueAgent("a1", Duration.ofDays(1)).certificate()).isNotNull();
    }

    @Test
    void openRefusesADirectoryWithoutCa() {
        assertThatThrownBy(() -> CertificateAuthority.open(tmp, null, clock))
                .isInstanceOf(PkiException.class)
                .hasMessageContaining("is not a CA directory");
    }

    @Test
    void agentCertificateCarriesTheAgentProfile() throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(tmp, InitOptions.defaults(), clock);

        IssuedCertificate issued = ca.issueAgent("agent-7", CertificateAuthority.DEFAULT_AGENT_VALIDITY);
        X509Certificate cert = issued.certificate();

        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=agent-7");
        assertThat(AgentIdentity.agentId(cert)).contains("agent-7");
        assertThat(cert.getSubjectAlternativeNames()).containsExactly(List.of(6, "spiffe://codehub/agent/agent-7"));
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(cert.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(cert.getKeyUsage()[5]).as("keyCertSign").isFalse();
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getCriticalExtensionOIDs()).contains(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
        assertThat(cert.getSerialNumber().signum()).isPositive();
        assertThat(cert.getSerialNumber().bitLength()).isBetween(64, 128);
        assertThat(cert.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(Duration.ofDays(7))
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        cert.verify(ca.certificate().getPublicKey());
        assertKeyIdentifiersChain(cert, ca.certificate());
        assertThat(issued.chain()).containsExactly(cert);
        assertThat(issued.privateKey().getAlgorithm()).isEqualTo("EC");
        assertThat(issued.toString()).doesNotContain("PRIVATE");
        assertThat(ca.issued()).singleElement().satisfies(record -> {
            assertThat(record.serial()).isEqualTo(cert.getSerialNumber());
            assertThat(record.kind()).isEqualTo(IssuedRecord.Kind.AGENT);
            assertThat(record.name()).isEqualTo("agent-7");
            assertThat(record.revoked()).isFalse();
        });
    }

    @Test
    void serverCertificateCarriesNamesAndAddresses() throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(tmp, InitOptions.defaults(), clock);

        X509Certificate cert = ca.issueServer(List.of("hub.example.com", "*.hub.example.com"),
                List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")), Duration.ofDays(90)).certificate();

        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=hub.example.com");
        assertThat(cert.getSubjectAlternativeNames()).containsExactly(List.of(2, "hub.example.com"),
                List.of(2, "*.hub.example.com"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"),
                List.of(6, AgentIdentity.HUB_URI));
        assertThat(cert.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(AgentIdentity.agentId(cert)).isEmpty();
        assertThat(AgentIdentity.isHub(cert)).isTrue();
        assertKeyIdentifiersChain(cert, ca.certificate());
    }

    @Test
    void anAgentCertificateForADirectListenerCarriesItsNamesButNotTheHubIdentity() throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(tmp, InitOptions.defaults(), clock);

        X509Certificate plain = ca.issueAgent("agent-1", Duration.ofDays(1)).certificate();
        X509Certificate listener = ca.issueAgent("agent-1", Duration.ofDays(1), List.of("agent-1.site.example"),
                List.of(InetAddress.getByName("10.0.0.5"))).certificate();

        assertThat(plain.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(listener.getSubjectAlternativeNames()).contains(List.of(2, "agent-1.site.example"),
                List.of(7, "10.0.0.5"));
        assertThat(listener.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(AgentIdentity.agentId(listener)).hasValue("agent-1");
        assertThat(AgentIdentity.isHub(listener)).isFalse();
        assertThat(AgentIdentity.isHub(plain)).isFalse();
        assertKeyIdentifiersChain(listener, ca.certificate());
    }

    @Test
    void serverCertificateInputIsValidated() {
        CertificateAuthority ca = CertificateAuthority.init(tmp, InitOptions.defaults(), clock);

        assertThatThrownBy(() -> ca.issueServer(List.of(), List.of(), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no DNS name");
        assertThatThrownBy(() -> ca.issueServer(List.of("bad name"), List.of(), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'bad name' is not a valid host name");
        List<String> tooMany = java.util.stream.IntStream.range(0, 101).mapToObj(i -> "h" + i + ".example").toList();
        assertThatThrownBy(() -> ca.issueServer(tooMany, List.of(), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("101 names (expected: at most 100)");
    }

    @Test
    void validityMustEndBeforeTheCa() {
        CertificateAuthority ca = CertificateAuthority.init(tmp, InitOptions.defaults().withValidity(Duration.ofDays(30)),
                clock);

        assertThatThrownBy(() -> ca.issueAgent("a1", Duration.ofDays(31)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("would end after the CA certificate");
        assertThatThrownBy(() -> ca.issueAgent("a1", Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least");
    }

    @Test
    void agentIdsAreValidated() {
        CertificateAuthority ca = CertificateAuthority.init(tmp, InitOptions.defaults(), clock);
        assertThatThrownBy(() -> ca.issueAgent("../etc", Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("agent id: '../etc'");
    }

    @Test
    void serialsAreUnique() {
        CertificateAuthority ca = CertificateAuthority.init(tmp, InitOptions.defaults(), clock);
        List<BigInteger> serials = java.util.stream.IntStream.range(0, 20)
                .mapToObj(i -> ca.issueAgent("a" + i, Duration.ofDays(1)).certificate().getSerialNumber()).toList();
        assertThat(serials).doesNotHaveDuplicates();
        assertThat(CertificateAuthority.open(tmp, null, clock).issued()).hasSize(20);
    }

    static void assertKeyIdentifiersChain(X509Certificate cert, X509Certificate issuer) throws Exception {
        var holder = new JcaX509CertificateHolder(cert);
        var issuerHolder = new JcaX509CertificateHolder(issuer);
        byte[] aki = AuthorityKeyIdentifier.fromExtensions(holder.getExtensions()).getKeyIdentifier();
        byte[] issuerSki = SubjectKeyIdentifier.fromExtensions(issuerHolder.getExtensions()).getKeyIdentifier();
        assertThat(aki).isEqualTo(issuerSki);
        assertThat(SubjectKeyIdentifier.fromExtensions(holder.getExtensions())).isNotNull();
    }
}
