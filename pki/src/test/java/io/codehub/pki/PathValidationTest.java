package io.codehub.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PathValidationTest {

    @TempDir
    Path tmp;

    private final MutableClock clock = MutableClock.startingNow();
    private CertificateAuthority ca;

    @BeforeEach
    void init() {
        ca = CertificateAuthority.init(tmp.resolve("ca"), InitOptions.defaults(), clock);
    }

    private List<X509CRL> crls() {
        return ca.crl().all();
    }

    @Test
    void acceptsAnAgentChainAndReturnsItsId() {
        List<X509Certificate> chain = ca.issueAgent("agent-1", Duration.ofDays(7)).chain();
        assertThat(PathValidation.validateAgent(chain, ca.trustBundle(), crls(), clock)).isEqualTo("agent-1");
        assertThat(PathValidation.validateAgent(chain, ca.trustBundle(), List.of(), clock)).isEqualTo("agent-1");
    }

    @Test
    void refusesAnExpiredOrNotYetValidCertificate() {
        List<X509Certificate> chain = ca.issueAgent("agent-1", Duration.ofDays(7)).chain();
        MutableClock later = new MutableClock(clock.instant().plus(Duration.ofDays(7)).plusSeconds(60));
        assertThatThrownBy(() -> PathValidation.validateAgent(chain, ca.trustBundle(), List.of(), later))
                .isInstanceOf(CertificateRejectedException.class)
                .hasMessageContaining("CN=agent-1");
        MutableClock earlier = new MutableClock(clock.instant().minus(Duration.ofHours(1)));
        assertThatThrownBy(() -> PathValidation.validateAgent(chain, ca.trustBundle(), List.of(), earlier))
                .isInstanceOf(CertificateRejectedException.class);
    }

    @Test
    void refusesARevokedCertificate() {
        List<X509Certificate> chain = ca.issueAgent("agent-1", Duration.ofDays(7)).chain();
        ca.revoke(chain.get(0).getSerialNumber(), RevocationReason.KEY_COMPROMISE);
        // A CRL entry's date has whole seconds and PKIX counts a certificate revoked strictly after
        // it: validated in the very millisecond its second began (1 run in 1,000), it would pass.
        clock.advance(Duration.ofSeconds(1));
        assertThatThrownBy(() -> PathValidation.validateAgent(chain, ca.trustBundle(), crls(), clock))
                .isInstanceOf(CertificateRejectedException.class)
                .hasMessageContaining("revoked");
    }

    @Test
    void refusesACertificateFromAnotherCa() {
        CertificateAuthority other = CertificateAuthority.init(tmp.resolve("other"),
                InitOptions.defaults().withSubject("CN=codehub CA"), clock);
        List<X509Certificate> chain = other.issueAgent("agent-1", Duration.ofDays(7)).chain();
        assertThatThrownBy(() -> PathValidation.validateAgent(chain, ca.trustBundle(), List.of(), clock))
                .isInstanceOf(CertificateRejectedException.class);
    }

    @Test
    void refusesAServerCertificateAsAnAgent() throws Exception {
        List<X509Certificate> chain = ca.issueServer(List.of("hub"), List.of(InetAddress.getLoopbackAddress()),
                Duration.ofDays(7)).chain();
        assertThat(PathValidation.validateServer(chain, ca.trustBundle(), crls(), clock)).isEqualTo(chain.get(0));
        assertThatThrownBy(() -> PathValidation.validateAgent(chain, ca.trustBundle(), List.of(), clock))
                .isInstanceOf(CertificateRejectedException.class)
                .hasMessageContaining("names no agent");
        List<X509Certificate> agent = ca.issueAgent("agent-1", Duration.ofDays(7)).chain();
        assertThatThrownBy(() -> PathValidation.validateServer(agent, ca.trustBundle(), List.of(), clock))
                .isInstanceOf(CertificateRejectedException.class)
                .hasMessageContaining("not valid for serverAuth");
    }

    @Test
    void refusesWhenTheCrlIsStale() {
        List<X509Certificate> chain = ca.issueAgent("agent-1", Duration.ofDays(30)).chain();
        List<X509CRL> crls = crls();
        MutableClock later = new MutableClock(clock.instant().plus(CertificateAuthority.CRL_VALIDITY).plusSeconds(60));
        assertThatThrownBy(() -> PathValidation.validateAgent(chain, ca.trustBundle(), crls, later))
                .isInstanceOf(CertificateRejectedException.class);
    }
}
