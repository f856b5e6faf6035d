package io.codehub.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Fuzzes the CA's CSR check ({@link Csrs#verify}, what {@link CertificateAuthority#sign} and the hub's
 * enrolment endpoint run on a CSR an agent sends). Any bytes: the one agent a CSR names, or a
 * {@link CsrRejectedException}, never another exception; over {@link Csrs#MAX_CSR_BYTES} refused
 * before parsing. Validly signed CSRs with fuzzed names (what an enrolling agent, holding its own key,
 * can send): accepted exactly when they name one well-formed agent and nothing else. Seeds in
 * {@code CsrFuzzTestInputs/<method>/}; see docs/security-testing.md, Fuzzing.
 */
class CsrFuzzTest {

    private static final KeyPair KEYS = Csrs.generateKeyPair();

    /** Any bytes as a CSR (PEM or DER). */
    @FuzzTest(maxDuration = "2m")
    void anyBytes(byte[] csr) {
        String agentId;
        try {
            agentId = Csrs.requestedAgentId(csr);
        } catch (CsrRejectedException refused) {
            assertThat(refused.getMessage()).startsWith("CSR");
            agentId = null;
        }
        if (agentId != null) {
            assertThat(AgentIdentity.isValidAgentId(agentId)).isTrue();
            assertThat(Csrs.verify(csr, agentId).agentId()).isEqualTo(agentId);
            String other = "a".equals(agentId) ? "b" : "a";
            assertThatThrownBy(() -> Csrs.verify(csr, other)).isExactlyInstanceOf(CsrRejectedException.class)
                    .hasMessageContaining("expected '" + other + "'");
        }
        byte[] oversized = Arrays.copyOf(csr, Math.max(csr.length, Csrs.MAX_CSR_BYTES + 1));
        assertThatThrownBy(() -> Csrs.requestedAgentId(oversized)).isExactlyInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("(expected: at most " + Csrs.MAX_CSR_BYTES + ")");
    }

    /**
     * A CSR signed with a valid key, its subject and SANs from the lines of the input:
     * {@code CN=}, {@code O=}, {@code OU=} (a subject RDN each), {@code MULTI=a+b} (one RDN of two
     * values), {@code EMPTY} (an RDN of none), {@code URI=}, {@code DNS=}, {@code EMAIL=} (a SAN each).
     */
    @FuzzTest(maxDuration = "2m")
    void signedNames(byte[] input) throws IOException {
        List<RDN> rdns = new ArrayList<>();
        List<GeneralName> sans = new ArrayList<>();
        Set<String> named = new LinkedHashSet<>();
        boolean acceptable = true;
        boolean odd = false;
        for (String line : new String(input, StandardCharsets.UTF_8).split("\n", 64)) {
            int eq = line.indexOf('=');
            String kind = eq < 0 ? line : line.substring(0, eq);
            String value = eq < 0 ? "" : line.substring(eq + 1);
            String ascii = value.chars().allMatch(c -> c < 0x80) ? value : value.replaceAll("[^\\x00-\\x7f]", "?");
            switch (kind) {
                case "CN" -> {
                    rdns.add(new RDN(BCStyle.CN, new DERUTF8String(value)));
                    acceptable &= AgentIdentity.isValidAgentId(value);
                    named.add(value);
                }
                case "O" -> rdns.add(new RDN(BCStyle.O, new DERUTF8String(value)));
                case "OU" -> rdns.add(new RDN(BCStyle.OU, new DERUTF8String(value)));
                case "MULTI" -> {
                    String[] parts = value.split("\\+", 2);
                    rdns.add(new RDN(new AttributeTypeAndValue[] {
                        new AttributeTypeAndValue(BCStyle.CN, new DERUTF8String(parts[0])),
                        new AttributeTypeAndValue(BCStyle.O, new DERUTF8String(parts.length > 1 ? parts[1] : ""))}));
                    acceptable = false;
                }
                case "EMPTY" -> {
                    rdns.add(RDN.getInstance(new DERSet()));
                    odd = true;
                }
                case "URI" -> {
                    sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, ascii));
                    String id = AgentIdentity.agentId(ascii).orElse(null);
                    acceptable &= id != null;
                    named.add(id == null ? "" : id);
                }
                case "DNS" -> {
                    sans.add(new GeneralName(GeneralName.dNSName, ascii));
                    acceptable = false;
                }
                case "EMAIL" -> {
                    sans.add(new GeneralName(GeneralName.rfc822Name, ascii));
                    acceptable = false;
                }
                default -> {
                }
            }
        }
        acceptable &= sans.size() <= 16 && named.size() == 1;
        byte[] der = signedCsr(rdns, sans);

        Csrs.Request request;
        try {
            request = Csrs.verify(der, null);
        } catch (CsrRejectedException refused) {
            assertThat(acceptable && !odd).as("refused: %s", refused.getMessage()).isFalse();
            return;
        }
        assertThat(acceptable).as("accepted %s", request.agentId()).isTrue();
        assertThat(named).containsExactly(request.agentId());
        assertThat(request.publicKey()).isEqualTo(KEYS.getPublic());
    }

    private static byte[] signedCsr(List<RDN> rdns, List<GeneralName> sans) throws IOException {
        JcaPKCS10CertificationRequestBuilder builder = new JcaPKCS10CertificationRequestBuilder(
                new X500Name(rdns.toArray(RDN[]::new)), KEYS.getPublic());
        if (!sans.isEmpty()) {
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(sans.toArray(GeneralName[]::new)));
            builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
        }
        return builder.build(Crypto.signer(KEYS.getPrivate(), KEYS.getPublic())).getEncoded();
    }
}
