package io.codehub.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * What each certificate carries. One place, so that docs/pki.md and the certificates agree.
 *
 * <ul>
 *   <li>Root CA: self-signed, basicConstraints CA:true (critical), keyUsage keyCertSign + cRLSign
 *       (critical), SKI and AKI.
 *   <li>Cross certificate: the new CA's subject and public key, issued by the previous CA,
 *       CA:true with pathLen 0, same key usage.
 *   <li>Agent: subject CN = agent id, URI SAN {@code spiffe://codehub/agent/<id>}, EKU clientAuth.
 *   <li>Server (the hub): subject CN = first name, DNS and IP SANs, EKU serverAuth and clientAuth
 *       (the hub presents the same certificate as a client on direct calls to agents).
 *   <li>Every leaf: CA:false (critical), keyUsage digitalSignature (+ keyEncipherment for RSA
 *       keys, critical), SKI, AKI, a random positive serial of up to 128 bits.
 * </ul>
 */
final class CertificateProfiles {

    /** Leaves are back-dated a little so that a relying party whose clock lags accepts them. */
    static final Duration BACKDATE = Duration.ofMinutes(5);

    private CertificateProfiles() {
    }

    static X509Certificate root(X500Name subject, KeyPair keys, Instant notBefore, Instant notAfter) {
        JcaX509ExtensionUtils utils = Crypto.extensionUtils();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, Crypto.serial(),
                Crypto.date(notBefore), Crypto.date(notAfter), subject, keys.getPublic());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    utils.createAuthorityKeyIdentifier(keys.getPublic()));
        } catch (IOException e) {
            throw new PkiException("build the CA certificate: " + e.getMessage(), e);
        }
        return sign(builder, keys.getPrivate(), keys.getPublic());
    }

    static X509Certificate cross(X509Certificate newCa, X509Certificate oldCa, PrivateKey oldKey, Instant notBefore) {
        JcaX509ExtensionUtils utils = Crypto.extensionUtils();
        Instant notAfter = min(newCa.getNotAfter().toInstant(), oldCa.getNotAfter().toInstant());
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(oldCa, Crypto.serial(),
                Crypto.date(notBefore), Crypto.date(notAfter), newCa.getSubjectX500Principal(), newCa.getPublicKey());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    utils.createSubjectKeyIdentifier(newCa.getPublicKey()));
            builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(oldCa.getPublicKey()));
        } catch (IOException e) {
            throw new PkiException("build the cross certificate: " + e.getMessage(), e);
        }
        return sign(builder, oldKey, oldCa.getPublicKey());
    }

    static X509Certificate agent(X509Certificate ca, PrivateKey caKey, PublicKey subjectKey, String agentId,
            BigInteger serial, Instant notBefore, Instant notAfter) {
        return agent(ca, caKey, subjectKey, agentId, List.of(), List.of(), serial, notBefore, notAfter);
    }

    /**
     * An agent certificate; with DNS names or addresses it also serves the agent's direct listener
     * (those SANs and EKU serverAuth are added).
     */
    static X509Certificate agent(X509Certificate ca, PrivateKey caKey, PublicKey subjectKey, String agentId,
            List<String> dnsNames, List<InetAddress> addresses, BigInteger serial, Instant notBefore, Instant notAfter) {
        X500Name subject = commonName(agentId);
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, AgentIdentity.uri(agentId).toString()));
        addHosts(names, dnsNames, addresses);
        KeyPurposeId[] purposes = dnsNames.isEmpty() && addresses.isEmpty()
                ? new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}
                : new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_serverAuth};
        return leaf(ca, caKey, subjectKey, subject, new GeneralNames(names.toArray(GeneralName[]::new)),
                new ExtendedKeyUsage(purposes), serial, notBefore, notAfter);
    }

    private static void addHosts(List<GeneralName> names, List<String> dnsNames, List<InetAddress> addresses) {
        dnsNames.forEach(name -> names.add(new GeneralName(GeneralName.dNSName, name)));
        addresses.forEach(address -> names.add(
                new GeneralName(GeneralName.iPAddress, new DEROctetString(address.getAddress()))));
    }

    static X509Certificate server(X509Certificate ca, PrivateKey caKey, PublicKey subjectKey, List<String> dnsNames,
            List<InetAddress> addresses, BigInteger serial, Instant notBefore, Instant notAfter) {
        List<GeneralName> names = new ArrayList<>();
        addHosts(names, dnsNames, addresses);
        // The hub's identity: its certificate is also its client certificate on direct calls.
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, AgentIdentity.HUB_URI));
        String commonName = dnsNames.isEmpty() ? addresses.get(0).getHostAddress() : dnsNames.get(0);
        X500Name subject = commonName(commonName);
        return leaf(ca, caKey, subjectKey, subject, new GeneralNames(names.toArray(GeneralName[]::new)),
                new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}),
                serial, notBefore, notAfter);
    }

    private static X509Certificate leaf(X509Certificate ca, PrivateKey caKey, PublicKey subjectKey, X500Name subject,
            GeneralNames sans, ExtendedKeyUsage eku, BigInteger serial, Instant notBefore, Instant notAfter) {
        JcaX509ExtensionUtils utils = Crypto.extensionUtils();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()), serial,
                Crypto.date(notBefore), Crypto.date(notAfter), subject, subjectKey);
        int usage = KeyUsage.digitalSignature | (subjectKey instanceof RSAPublicKey ? KeyUsage.keyEncipherment : 0);
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
            builder.addExtension(Extension.extendedKeyUsage, false, eku);
            builder.addExtension(Extension.subjectAlternativeName, false, sans);
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
            builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(ca.getPublicKey()));
        } catch (IOException e) {
            throw new PkiException("build a certificate for " + subject + ": " + e.getMessage(), e);
        }
        return sign(builder, caKey, ca.getPublicKey());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key, PublicKey publicKey) {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(Crypto.signer(key, publicKey)));
        } catch (CertificateException e) {
            throw new PkiException("encode a signed certificate: " + e.getMessage(), e);
        }
    }

    static X500Name commonName(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
