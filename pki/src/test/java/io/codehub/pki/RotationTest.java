package io.codehub.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotationTest {

    @TempDir
    Path tmp;

    private final MutableClock clock = MutableClock.startingNow();
    private CertificateAuthority ca;
    private X509Certificate oldRoot;
    private List<X509Certificate> oldChain;

    @BeforeEach
    void init() {
        ca = CertificateAuthority.init(tmp, InitOptions.defaults().withPassphrase("pw".toCharArray()), clock);
        oldRoot = ca.certificate();
        oldChain = ca.issueAgent("old-agent", Duration.ofDays(7)).chain();
    }

    @Test
    void partiesTrustingTheOldRootValidateNewChainsThroughTheCrossCertificate() throws Exception {
        X509Certificate newRoot = ca.rotateCa();

        assertThat(ca.generation()).isEqualTo(2);
        assertThat(newRoot.getSubjectX500Principal().getName()).isEqualTo("CN=codehub CA G2");
        assertThat(ca.trustBundle()).containsExactly(newRoot, oldRoot);
        assertThat(Pem.readCertificates(tmp.resolve("ca.pem"))).containsExactly(newRoot, oldRoot);
        X509Certificate cross = Pem.readCertificate(tmp.resolve("cross.pem"));
        assertThat(cross.getPublicKey()).isEqualTo(newRoot.getPublicKey());
        assertThat(cross.getSubjectX500Principal()).isEqualTo(newRoot.getSubjectX500Principal());
        assertThat(cross.getIssuerX500Principal()).isEqualTo(oldRoot.getSubjectX500Principal());
        cross.verify(oldRoot.getPublicKey());

        List<X509Certificate> newChain = ca.issueAgent("new-agent", Duration.ofDays(7)).chain();
        assertThat(newChain).hasSize(2).endsWith(cross);
        newChain.get(0).verify(newRoot.getPublicKey());
        List<java.security.cert.X509CRL> crls = ca.crl().all();
        assertThat(crls).hasSize(2);

        // an agent or hub that still has only the old ca.pem
        assertThat(PathValidation.validateAgent(newChain, List.of(oldRoot), crls, clock)).isEqualTo("new-agent");
        // one that has the new ca.pem: old and new certificates alike
        assertThat(PathValidation.validateAgent(newChain, ca.trustBundle(), crls, clock)).isEqualTo("new-agent");
        assertThat(PathValidation.validateAgent(oldChain, ca.trustBundle(), crls, clock)).isEqualTo("old-agent");
        // one that trusts only the new root
        assertThat(PathValidation.validateAgent(newChain.subList(0, 1), List.of(newRoot), List.of(), clock))
                .isEqualTo("new-agent");
    }

    @Test
    void revocationWorksForBothGenerations() {
        ca.rotateCa();
        List<X509Certificate> newChain = ca.issueAgent("new-agent", Duration.ofDays(7)).chain();
        BigInteger oldSerial = oldChain.get(0).getSerialNumber();
        ca.revoke(oldSerial, RevocationReason.KEY_COMPROMISE);
        ca.revoke(newChain.get(0).getSerialNumber(), RevocationReason.KEY_COMPROMISE);
        // Revoked strictly after the entries' whole-second dates (see PathValidationTest).
        clock.advance(Duration.ofSeconds(1));

        RevocationList list = ca.revocationList();
        assertThat(list.all().get(0).getRevokedCertificate(newChain.get(0).getSerialNumber())).isNotNull();
        assertThat(list.all().get(1).getRevokedCertificate(oldSerial)).isNotNull();
        assertThatThrownBy(() -> PathValidation.validateAgent(oldChain, ca.trustBundle(), list.all(), clock))
                .isInstanceOf(CertificateRejectedException.class).hasMessageContaining("revoked");
        assertThatThrownBy(() -> PathValidation.validateAgent(newChain, List.of(oldRoot), list.all(), clock))
                .isInstanceOf(CertificateRejectedException.class).hasMessageContaining("revoked");
    }

    @Test
    void aHubThatHasTheCaOpenFollowsARotationAfterReload() {
        CertificateAuthority hub = CertificateAuthority.open(tmp, "pw".toCharArray(), clock);
        X509Certificate newRoot = ca.rotateCa();

        assertThat(hub.reload()).isTrue();
        assertThat(hub.certificate()).isEqualTo(newRoot);
        assertThat(hub.issueAgent("x", Duration.ofDays(1)).certificate().getIssuerX500Principal())
                .isEqualTo(newRoot.getSubjectX500Principal());
    }

    @Test
    void finishingIsRefusedWhileOldCertificatesAreValid() throws Exception {
        ca.rotateCa();
        assertThatThrownBy(() -> ca.finishRotation(false))
                .isInstanceOf(PkiException.class)
                .hasMessageContaining("1 certificates issued by earlier CA generations are still valid");

        clock.advance(Duration.ofDays(8));
        assertThat(ca.finishRotation(false)).isZero();
        assertThat(ca.trustBundle()).containsExactly(ca.certificate());
        assertThat(Files.exists(tmp.resolve("cross.pem"))).isFalse();
        assertThat(ca.issueAgent("a", Duration.ofDays(1)).chain()).hasSize(1);
        assertThat(ca.crl().all()).hasSize(1);
        assertThat(CertificateAuthority.open(tmp, "pw".toCharArray(), clock).trustBundle()).hasSize(1);
    }

    @Test
    void rotatingAgainReplacesTheGenerationSuffix() {
        ca.rotateCa();
        clock.advance(Duration.ofDays(8));
        ca.finishRotation(false);
        assertThat(ca.rotateCa(KeyType.RSA_3072, Duration.ofDays(365)).getSubjectX500Principal().getName())
                .isEqualTo("CN=codehub CA G3");
        assertThat(ca.issueAgent("a", Duration.ofDays(1)).chain().get(0).getSigAlgName()).isEqualTo("SHA256withRSA");
    }
}
