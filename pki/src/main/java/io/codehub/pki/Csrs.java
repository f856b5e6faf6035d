package io.codehub.pki;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.jspecify.annotations.Nullable;

/**
 * The agent's side of enrolment: generate a key pair that never leaves the agent, and a PKCS#10
 * certificate signing request that names the agent (CN = agent id and the URI SAN
 * {@code spiffe://codehub/agent/<id>}), signed with that key.
 *
 * <p>The CA side ({@link CertificateAuthority#sign}) accepts a CSR only when its signature verifies,
 * its key is ECDSA P-256/P-384 or RSA 2048 to 8192 bits, and it names exactly one agent.
 */
public final class Csrs {

    /** The largest CSR accepted, PEM or DER: 16 KiB (a P-256 CSR is under 600 bytes). */
    public static final int MAX_CSR_BYTES = 16 * 1024;
    private static final int MAX_SANS = 16;

    private Csrs() {
    }

    /** A fresh ECDSA P-256 key pair. */
    public static KeyPair generateKeyPair() {
        return Crypto.generate(KeyType.EC_P256);
    }

    /** A PEM CSR for {@code agentId}, signed with {@code keys}. */
    public static String csr(String agentId, KeyPair keys) {
        AgentIdentity.requireValidAgentId(agentId);
        try {
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                    new GeneralName(GeneralName.uniformResourceIdentifier, AgentIdentity.uri(agentId).toString())));
            PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(
                    CertificateProfiles.commonName(agentId), keys.getPublic())
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                    .build(Crypto.signer(keys.getPrivate(), keys.getPublic()));
            StringWriter out = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
                writer.writeObject(csr);
            }
            return out.toString();
        } catch (IOException e) {
            throw new PkiException("build a CSR for agent " + agentId + ": " + e.getMessage(), e);
        }
    }

    /**
     * Verifies a CSR (PEM or DER) as {@link CertificateAuthority#sign} does and returns the one agent
     * it names.
     *
     * @throws CsrRejectedException saying why the CA would refuse it
     */
    public static String requestedAgentId(byte[] csr) {
        return verify(csr, null).agentId();
    }

    /** What a verified CSR asks for. */
    record Request(String agentId, PublicKey publicKey) {
    }

    /**
     * Verifies a CSR (PEM or DER) and returns the one agent it names.
     *
     * @throws CsrRejectedException when it is unreadable, badly signed, names no agent or several,
     *     or names another agent than {@code expectedAgentId}
     */
    static Request verify(byte[] csrBytes, @Nullable String expectedAgentId) {
        if (csrBytes.length > MAX_CSR_BYTES) {
            throw new CsrRejectedException("CSR: " + csrBytes.length + " bytes (expected: at most " + MAX_CSR_BYTES + ")");
        }
        if (expectedAgentId != null) {
            AgentIdentity.requireValidAgentId(expectedAgentId);
        }
        JcaPKCS10CertificationRequest csr = parse(csrBytes);
        PublicKey publicKey;
        boolean signed;
        try {
            publicKey = csr.getPublicKey();
            signed = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(publicKey));
        } catch (OperatorCreationException | PKCSException | GeneralSecurityException
                | IllegalArgumentException | IllegalStateException e) {
            // BouncyCastle reads the signature's BIT STRING only here (IllegalStateException when it is
            // not whole octets: found by CsrFuzzTest, it escaped as a 500 before)
            throw new CsrRejectedException("CSR: cannot verify the signature: " + e.getMessage(), e);
        }
        if (!signed) {
            throw new CsrRejectedException("CSR: the signature does not verify with the CSR's public key");
        }
        checkKey(publicKey);

        Set<String> named = new LinkedHashSet<>();
        for (RDN rdn : csr.getSubject().getRDNs()) {
            if (rdn.isMultiValued()) {
                throw new CsrRejectedException("CSR: multi-valued subject names are not accepted");
            }
            if (rdn.size() == 0) {
                // an empty SET in the subject: RDN.getFirst() is null (a NullPointerException, so a 500, before)
                throw new CsrRejectedException("CSR: empty subject name components are not accepted");
            }
            if (BCStyle.CN.equals(rdn.getFirst().getType())) {
                String cn = text(rdn.getFirst().getValue());
                if (!AgentIdentity.isValidAgentId(cn)) {
                    throw new CsrRejectedException("CSR: subject CN '" + AgentIdentity.printable(cn) + "' is not an agent id");
                }
                named.add(cn);
            }
        }
        GeneralNames sans;
        try {
            Extensions extensions = csr.getRequestedExtensions();
            sans = extensions == null
                    ? null : GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // parsed only now, from a request its sender signed: any structure at all
            throw new CsrRejectedException("CSR: unreadable requested extensions: " + e.getMessage(), e);
        }
        if (sans != null) {
            GeneralName[] names = sans.getNames();
            if (names.length > MAX_SANS) {
                throw new CsrRejectedException("CSR: " + names.length + " subject alternative names (expected: at most " + MAX_SANS + ")");
            }
            for (GeneralName name : names) {
                if (name.getTagNo() != GeneralName.uniformResourceIdentifier) {
                    throw new CsrRejectedException("CSR: asks for a subject alternative name of type " + name.getTagNo()
                            + " (expected: only the URI " + AgentIdentity.URI_PREFIX + "<agentId>)");
                }
                String uri = text(name.getName());
                named.add(AgentIdentity.agentId(uri).orElseThrow(() -> new CsrRejectedException(
                        "CSR: URI SAN '" + AgentIdentity.printable(uri) + "' is not " + AgentIdentity.URI_PREFIX + "<agentId>")));
            }
        }
        if (named.isEmpty()) {
            throw new CsrRejectedException("CSR names no agent (expected: CN=<agentId> and/or URI SAN "
                    + AgentIdentity.URI_PREFIX + "<agentId>)");
        }
        if (named.size() > 1) {
            throw new CsrRejectedException("CSR names several agents " + named + " (expected: exactly one)");
        }
        String agentId = named.iterator().next();
        if (expectedAgentId != null && !expectedAgentId.equals(agentId)) {
            throw new CsrRejectedException("CSR names agent '" + agentId + "', expected '" + expectedAgentId + "'");
        }
        return new Request(agentId, publicKey);
    }

    private static JcaPKCS10CertificationRequest parse(byte[] bytes) {
        byte[] der = bytes;
        String start = new String(bytes, 0, Math.min(bytes.length, 64), StandardCharsets.US_ASCII);
        if (bytes.length > 0 && bytes[0] == 0x30 && start.contains("-----BEGIN")) {
            // DER whose subject holds "-----BEGIN" (a valid agent id can), or PEM text starting with '0'
            try {
                return new JcaPKCS10CertificationRequest(bytes);
            } catch (IOException | RuntimeException notDer) {
                // read as PEM below
            }
        }
        if (start.contains("-----BEGIN") || (bytes.length > 0 && bytes[0] != 0x30)) {
            List<PemObject> blocks;
            try {
                blocks = Pem.blocks(new String(bytes, StandardCharsets.US_ASCII), "CSR", Pem.CERTIFICATE_REQUEST,
                        Pem.NEW_CERTIFICATE_REQUEST);
            } catch (PkiException e) {
                throw new CsrRejectedException(e.getMessage(), e);
            }
            if (blocks.size() != 1) {
                throw new CsrRejectedException("CSR: " + blocks.size() + " PEM blocks (expected: one CERTIFICATE REQUEST)");
            }
            der = blocks.get(0).getContent();
        }
        try {
            return new JcaPKCS10CertificationRequest(der);
        } catch (IOException | RuntimeException e) {
            throw new CsrRejectedException("CSR: unreadable PKCS#10 request: " + e.getMessage(), e);
        }
    }

    private static void checkKey(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            if (bits != 256 && bits != 384) {
                throw new CsrRejectedException("CSR: EC key on a " + bits + "-bit curve (expected: P-256 or P-384)");
            }
        } else if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits < 2048 || bits > 8192) {
                throw new CsrRejectedException("CSR: RSA key of " + bits + " bits (expected: 2048 to 8192)");
            }
        } else {
            throw new CsrRejectedException("CSR: " + key.getAlgorithm() + " key (expected: EC P-256/P-384 or RSA)");
        }
    }

    private static String text(ASN1Encodable value) {
        return value instanceof ASN1String string ? string.getString() : value.toString();
    }
}
