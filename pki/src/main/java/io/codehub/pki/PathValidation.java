package io.codehub.pki;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.codehub.base.Causes;

/**
 * Validates a certificate chain the way a TLS peer would, at a chosen instant: the JDK's PKIX
 * path builder from the leaf to one of the trust anchors (using the other chain certificates,
 * such as a cross certificate, as intermediates), every certificate within its validity at that
 * instant, and, when CRLs are given, none revoked (each CA on the path must then have a CRL).
 *
 * <p>The hub's TLS stack does its own validation; this class serves tests (with a fake clock),
 * the CLI and callers that validate outside a handshake.
 */
public final class PathValidation {

    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    private PathValidation() {
    }

    /**
     * Validates {@code chain} (leaf first) against {@code trustAnchors} and {@code crls} at the
     * clock's instant, and returns the leaf.
     *
     * @param crls CRLs to check revocation with; empty to skip revocation checking
     * @throws CertificateRejectedException saying why the chain is refused
     */
    public static X509Certificate validate(List<X509Certificate> chain, Collection<X509Certificate> trustAnchors,
            Collection<X509CRL> crls, Clock clock) {
        if (chain.isEmpty()) {
            throw new CertificateRejectedException("empty certificate chain");
        }
        if (trustAnchors.isEmpty()) {
            throw new CertificateRejectedException("no trust anchors");
        }
        X509Certificate leaf = chain.get(0);
        Instant at = clock.instant();
        Set<TrustAnchor> anchors = trustAnchors.stream().map(c -> new TrustAnchor(c, null)).collect(Collectors.toSet());
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(leaf);
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, target);
            List<Object> store = new ArrayList<>(chain);
            // A CRL past its nextUpdate says nothing about now. The JDK's checker may still use it, so it
            // is left out: a CA without a current CRL then fails with "could not determine revocation status".
            Date date = Date.from(at);
            crls.stream()
                    .filter(crl -> crl.getNextUpdate() != null && crl.getNextUpdate().after(date)
                            && !crl.getThisUpdate().after(date))
                    .forEach(store::add);
            parameters.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(store)));
            parameters.setRevocationEnabled(!crls.isEmpty());
            parameters.setDate(date);
            PKIXCertPathBuilderResult result = (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX")
                    .build(parameters);
            return (X509Certificate) result.getCertPath().getCertificates().get(0);
        } catch (CertPathBuilderException e) {
            throw new CertificateRejectedException("certificate " + describe(leaf) + " rejected at " + at + ": "
                    + reason(e), e);
        } catch (InvalidAlgorithmParameterException e) {
            throw new CertificateRejectedException("invalid trust anchors: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new PkiException("PKIX validation unavailable: " + e.getMessage(), e);
        }
    }

    /**
     * Validates an agent's client certificate chain and returns the agent id of its URI SAN.
     *
     * @throws CertificateRejectedException when the chain does not validate, names no agent, or lacks
     *     the clientAuth extended key usage
     */
    public static String validateAgent(List<X509Certificate> chain, Collection<X509Certificate> trustAnchors,
            Collection<X509CRL> crls, Clock clock) {
        X509Certificate leaf = validate(chain, trustAnchors, crls, clock);
        requireUsage(leaf, CLIENT_AUTH, "clientAuth");
        return AgentIdentity.agentId(leaf).orElseThrow(() -> new CertificateRejectedException(
                "certificate " + describe(leaf) + " names no agent (expected one URI SAN " + AgentIdentity.URI_PREFIX
                        + "<agentId>)"));
    }

    /** Validates a server chain and requires the serverAuth extended key usage. */
    public static X509Certificate validateServer(List<X509Certificate> chain, Collection<X509Certificate> trustAnchors,
            Collection<X509CRL> crls, Clock clock) {
        X509Certificate leaf = validate(chain, trustAnchors, crls, clock);
        requireUsage(leaf, SERVER_AUTH, "serverAuth");
        return leaf;
    }

    private static void requireUsage(X509Certificate leaf, String oid, String name) {
        List<String> usages;
        try {
            usages = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new CertificateRejectedException("certificate " + describe(leaf) + ": unreadable extended key usage", e);
        }
        if (usages == null || !usages.contains(oid)) {
            throw new CertificateRejectedException("certificate " + describe(leaf) + " is not valid for " + name);
        }
    }

    private static String reason(CertPathBuilderException e) {
        // the builder wraps the interesting validator failure (expired, revoked) in its cause chain:
        // the deepest message wins
        List<Throwable> chain = Causes.chain(e);
        for (int i = chain.size() - 1; i >= 0; i--) {
            if (chain.get(i).getMessage() != null) {
                return chain.get(i).getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }

    static String describe(X509Certificate certificate) {
        return "'" + certificate.getSubjectX500Principal().getName() + "' (serial "
                + Serials.hex(certificate) + ")";
    }
}
