package io.codehub.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.CRLReason;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RevocationTest {

    @TempDir
    Path tmp;

    private final MutableClock clock = MutableClock.startingNow();
    private CertificateAuthority ca;

    @BeforeEach
    void init() {
        ca = CertificateAuthority.init(tmp, InitOptions.defaults(), clock);
    }

    @Test
    void revokedSerialIsListedInTheSignedCrl() throws Exception {
        BigInteger serial = ca.issueAgent("a1", Duration.ofDays(7)).certificate().getSerialNumber();
        BigInteger other = ca.issueAgent("a2", Duration.ofDays(7)).certificate().getSerialNumber();
        long generation = ca.revocationGeneration();

        IssuedRecord record = ca.revoke(serial, RevocationReason.KEY_COMPROMISE);

        assertThat(record.revoked()).isTrue();
        assertThat(record.reason()).isEqualTo(RevocationReason.KEY_COMPROMISE);
        assertThat(ca.isRevoked(serial)).isTrue();
        assertThat(ca.isRevoked(other)).isFalse();
        assertThat(ca.revocationGeneration()).isGreaterThan(generation);

        X509CRL crl = Pem.readCrls(tmp.resolve("crl.pem")).get(0);
        crl.verify(ca.certificate().getPublicKey());
        assertThat(crl.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
        assertThat(crl.getNextUpdate().toInstant()).isAfter(clock.instant().plus(Duration.ofDays(6)));
        X509CRLEntry entry = crl.getRevokedCertificate(serial);
        assertThat(entry).isNotNull();
        assertThat(entry.getRevocationReason()).isEqualTo(CRLReason.KEY_COMPROMISE);
        assertThat(crl.getRevokedCertificate(other)).isNull();
        assertThat(ca.revocationList().isRevoked(serial)).isTrue();
    }

    @Test
    void revokingTwiceChangesNothing() {
        BigInteger serial = ca.issueAgent("a1", Duration.ofDays(7)).certificate().getSerialNumber();
        IssuedRecord first = ca.revoke(serial, RevocationReason.SUPERSEDED);
        clock.advance(Duration.ofMinutes(5));
        assertThat(ca.revoke(serial, RevocationReason.KEY_COMPROMISE)).isEqualTo(first);
    }

    @Test
    void revokingAnUnknownSerialIsRefused() {
        assertThatThrownBy(() -> ca.revoke(BigInteger.valueOf(0xABCDEF), RevocationReason.UNSPECIFIED))
                .isInstanceOf(PkiException.class)
                .hasMessageContaining("serial ABCDEF: not issued by the CA");
    }

    @Test
    void revokeAgentRevokesEveryUnexpiredCertificateOfThatAgent() {
        BigInteger expired = ca.issueAgent("a1", Duration.ofDays(1)).certificate().getSerialNumber();
        clock.advance(Duration.ofDays(2));
        BigInteger first = ca.issueAgent("a1", Duration.ofDays(7)).certificate().getSerialNumber();
        BigInteger second = ca.sign(Csrs.csr("a1", Csrs.generateKeyPair()), "a1", Duration.ofDays(7)).get(0)
                .getSerialNumber();
        BigInteger otherAgent = ca.issueAgent("a2", Duration.ofDays(7)).certificate().getSerialNumber();

        List<IssuedRecord> revoked = ca.revokeAgent("a1", RevocationReason.CESSATION_OF_OPERATION);

        assertThat(revoked).extracting(IssuedRecord::serial).containsExactlyInAnyOrder(first, second);
        assertThat(ca.isRevoked(expired)).isFalse();
        assertThat(ca.isRevoked(otherAgent)).isFalse();
        assertThat(ca.revokeAgent("a1", RevocationReason.UNSPECIFIED)).isEmpty();
        assertThat(ca.revocationList().crl().getRevokedCertificates()).hasSize(2);
    }

    @Test
    void anotherInstanceSeesRevocationsAfterReload() {
        CertificateAuthority hub = CertificateAuthority.open(tmp, null, clock);
        BigInteger serial = ca.issueAgent("a1", Duration.ofDays(7)).certificate().getSerialNumber();
        assertThat(hub.reload()).isTrue();
        long before = hub.revocationGeneration();
        assertThat(hub.reload()).as("nothing changed").isFalse();

        ca.revoke(serial, RevocationReason.KEY_COMPROMISE);

        assertThat(hub.isRevoked(serial)).isFalse();
        assertThat(hub.reload()).isTrue();
        assertThat(hub.isRevoked(serial)).isTrue();
        assertThat(hub.revocationGeneration()).isGreaterThan(before);
    }

    @Test
    void concurrentWritersFromTwoInstancesLoseNothing() throws Exception {
        CertificateAuthority other = CertificateAuthority.open(tmp, null, clock);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<BigInteger>> futures = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                CertificateAuthority writer = i % 2 == 0 ? ca : other;
                String agent = "agent-" + i;
                futures.add(pool.submit(() -> writer.issueAgent(agent, Duration.ofDays(1)).certificate().getSerialNumber()));
            }
            List<BigInteger> serials = new ArrayList<>();
            for (Future<BigInteger> future : futures) {
                serials.add(future.get(60, TimeUnit.SECONDS));
            }
            assertThat(CertificateAuthority.open(tmp, null, clock).issued()).extracting(IssuedRecord::serial)
                    .containsExactlyInAnyOrderElementsOf(serials);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void expiredEntriesLeaveTheCrl() {
        BigInteger serial = ca.issueAgent("a1", Duration.ofDays(1)).certificate().getSerialNumber();
        ca.revoke(serial, RevocationReason.KEY_COMPROMISE);
        assertThat(ca.crl().isRevoked(serial)).isTrue();
        clock.advance(Duration.ofDays(2));
        assertThat(ca.crl().isRevoked(serial)).isFalse();
    }

    @Test
    void revocationListIsRenewedAtHalfLife() {
        var first = ca.revocationList();
        assertThat(ca.revocationList()).isEqualTo(first);
        clock.advance(CertificateAuthority.CRL_VALIDITY.dividedBy(2).plusMinutes(1));
        var renewed = ca.revocationList();
        assertThat(renewed.nextUpdate()).isAfter(first.nextUpdate());
    }

    @Test
    void reasonsParseFromLabels() {
        assertThat(RevocationReason.parse("key-compromise")).isEqualTo(RevocationReason.KEY_COMPROMISE);
        assertThat(RevocationReason.parse("SUPERSEDED")).isEqualTo(RevocationReason.SUPERSEDED);
        assertThatThrownBy(() -> RevocationReason.parse("bored"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected one of: unspecified, key-compromise");
    }
}
