package io.codehub.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsrSigningTest {

    @TempDir
    Path tmp;

    private final MutableClock clock = MutableClock.startingNow();
    private CertificateAuthority ca;
    private final KeyPair keys = Csrs.generateKeyPair();

    @BeforeEach
    void init() {
        ca = CertificateAuthority.init(tmp, InitOptions.defaults(), clock);
    }

    @Test
    void signsTheAgentsOwnCsrWithTheCasProfile() throws Exception {
        String csr = Csrs.csr("agent-1", keys);
        assertThat(csr).startsWith("-----BEGIN CERTIFICATE REQUEST-----");

        List<X509Certificate> chain = ca.sign(csr, "agent-1", Duration.ofDays(7));

        X509Certificate cert = chain.get(0);
        assertThat(cert.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(AgentIdentity.agentId(cert)).contains("agent-1");
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        cert.verify(ca.certificate().getPublicKey());
        assertThat(ca.issued()).extracting(IssuedRecord::name).containsExactly("agent-1");
        assertThat(Csrs.requestedAgentId(csr.getBytes(StandardCharsets.US_ASCII))).isEqualTo("agent-1");
    }

    @Test
    void acceptsDerAndACnOnlyOrSanOnlyCsr() throws Exception {
        byte[] cnOnly = csr(new X500Name("CN=agent-2"), null, keys).getEncoded();
        assertThat(AgentIdentity.agentId(ca.sign(cnOnly, null, Duration.ofDays(1)).get(0))).contains("agent-2");

        byte[] sanOnly = csr(new X500Name(new org.bouncycastle.asn1.x500.RDN[0]),
                new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://codehub/agent/agent-3")),
                keys).getEncoded();
        assertThat(AgentIdentity.agentId(ca.sign(sanOnly, "agent-3", Duration.ofDays(1)).get(0))).contains("agent-3");
    }

    @Test
    void refusesACsrForAnotherAgent() {
        String csr = Csrs.csr("agent-b", keys);
        assertThatThrownBy(() -> ca.sign(csr, "agent-a", Duration.ofDays(7)))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessage("CSR names agent 'agent-b', expected 'agent-a'");
        assertThat(ca.issued()).isEmpty();
    }

    @Test
    void refusesACsrNamingTwoAgents() throws Exception {
        byte[] csr = csr(new X500Name("CN=agent-a"),
                new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://codehub/agent/agent-b")),
                keys).getEncoded();
        assertThatThrownBy(() -> ca.sign(csr, null, Duration.ofDays(7)))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("names several agents [agent-a, agent-b]");
    }

    @Test
    void refusesACsrNamingNoAgentOrOtherNames() throws Exception {
        byte[] noAgent = csr(new X500Name("O=nobody"), null, keys).getEncoded();
        assertThatThrownBy(() -> ca.sign(noAgent, null, Duration.ofDays(7)))
                .isInstanceOf(CsrRejectedException.class).hasMessageContaining("CSR names no agent");

        byte[] dns = csr(new X500Name("CN=agent-a"),
                new GeneralNames(new GeneralName(GeneralName.dNSName, "hub.example.com")), keys).getEncoded();
        assertThatThrownBy(() -> ca.sign(dns, null, Duration.ofDays(7)))
                .isInstanceOf(CsrRejectedException.class).hasMessageContaining("subject alternative name of type 2");

        byte[] otherUri = csr(new X500Name("CN=agent-a"),
                new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://evil/agent/agent-a")),
                keys).getEncoded();
        assertThatThrownBy(() -> ca.sign(otherUri, null, Duration.ofDays(7)))
                .isInstanceOf(CsrRejectedException.class).hasMessageContaining("is not spiffe://codehub/agent/<agentId>");

        byte[] badCn = csr(new X500Name("CN=agent a/../x"), null, keys).getEncoded();
        assertThatThrownBy(() -> ca.sign(badCn, null, Duration.ofDays(7)))
                .isInstanceOf(CsrRejectedException.class).hasMessageContaining("is not an agent id");
    }

    @Test
    void refusesACsrWhoseSignatureDoesNotVerify() throws Exception {
        byte[] der = csr(new X500Name("CN=agent-a"), null, keys).getEncoded();
        der[der.length - 5] ^= 0x01;
        assertThatThrownBy(() -> ca.sign(der, null, Duration.ofDays(7)))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("signature");

        // a CSR signed by another key than the one it carries
        PKCS10CertificationRequestBuilder builder = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=agent-a"),
                keys.getPublic());
        byte[] foreign = builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                .build(Csrs.generateKeyPair().getPrivate())).getEncoded();
        assertThatThrownBy(() -> ca.sign(foreign, null, Duration.ofDays(7)))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("does not verify");
    }

    @Test
    void refusesGarbageWrongPemAndOversizedInput() {
        assertThatThrownBy(() -> ca.sign("hello", null, Duration.ofDays(7)))
                .isInstanceOf(CsrRejectedException.class).hasMessageContaining("holds no PEM data");
        assertThatThrownBy(() -> ca.sign(Pem.encode(ca.certificate()), null, Duration.ofDays(7)))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("holds a CERTIFICATE, expected a CERTIFICATE REQUEST");
        assertThatThrownBy(() -> ca.sign(new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}, null, Duration.ofDays(7)))
                .isInstanceOf(CsrRejectedException.class).hasMessageContaining("unreadable PKCS#10");
        String big = "-----BEGIN CERTIFICATE REQUEST-----\n"
                + Base64.getMimeEncoder().encodeToString(new byte[20_000]) + "\n-----END CERTIFICATE REQUEST-----\n";
        assertThatThrownBy(() -> ca.sign(big, null, Duration.ofDays(7)))
                .isInstanceOf(CsrRejectedException.class).hasMessageContaining("(expected: at most 16384)");
    }

    @Test
    void refusesWeakKeys() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        KeyPair weak = rsa.generateKeyPair();
        byte[] csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=agent-a"), weak.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(weak.getPrivate())).getEncoded();
        assertThatThrownBy(() -> ca.sign(csr, null, Duration.ofDays(7)))
                .isInstanceOf(CsrRejectedException.class).hasMessageContaining("RSA key of 1024 bits");
    }

    private static PKCS10CertificationRequest csr(X500Name subject, GeneralNames sans,
            KeyPair keys) throws Exception {
        PKCS10CertificationRequestBuilder builder = new JcaPKCS10CertificationRequestBuilder(subject, keys.getPublic());
        if (sans != null) {
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.subjectAlternativeName, false, sans);
            builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
        }
        return builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
    }
}
