package io.codehub.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;

/**
 * Signs X.509 v2 CRLs: issuer = the CA, thisUpdate = now - 5 min, nextUpdate = now + validity, an
 * authority key identifier, a CRL number that grows with every CRL written to a directory, and one
 * entry (serial, revocation date, reason code) per revoked certificate not yet expired.
 */
final class CrlSigner {

    private CrlSigner() {
    }

    static X509CRL sign(X509Certificate ca, PrivateKey key, List<IssuedRecord> revoked, long number, Instant now,
            Duration validity) {
        // thisUpdate is back-dated like certificates, so a relying party whose clock lags accepts it
        X509v2CRLBuilder builder = new JcaX509v2CRLBuilder(ca, Crypto.date(now.minus(CertificateProfiles.BACKDATE)));
        builder.setNextUpdate(Crypto.date(now.plus(validity)));
        for (IssuedRecord record : revoked) {
            if (record.revokedAt() == null || record.reason() == null) {
                continue;
            }
            builder.addCRLEntry(record.serial(), Crypto.date(record.revokedAt()), record.reason().code());
        }
        try {
            JcaX509ExtensionUtils utils = Crypto.extensionUtils();
            builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(ca.getPublicKey()));
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(number)));
            return new JcaX509CRLConverter().getCRL(builder.build(Crypto.signer(key, ca.getPublicKey())));
        } catch (IOException | CRLException e) {
            throw new PkiException("sign the CRL of " + ca.getSubjectX500Principal().getName() + ": " + e.getMessage(), e);
        }
    }

    /** One more than the CRL number of the CRL file, or 1 when there is none. */
    static long nextNumber(Path crlFile) {
        if (!Files.exists(crlFile)) {
            return 1;
        }
        try {
            long max = 0;
            for (X509CRL crl : Pem.readCrls(crlFile)) {
                byte[] value = crl.getExtensionValue(Extension.cRLNumber.getId());
                if (value != null) {
                    ASN1Primitive parsed = JcaX509ExtensionUtils.parseExtensionValue(value);
                    max = Math.max(max, ASN1Integer.getInstance(parsed).longValueExact());
                }
            }
            return max + 1;
        } catch (PkiException | IOException | ArithmeticException e) {
            // a damaged CRL file is replaced; a time-based number still grows
            return Math.max(1, Instant.now().getEpochSecond());
        }
    }
}
