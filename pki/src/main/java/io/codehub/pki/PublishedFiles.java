package io.codehub.pki;

import java.io.IOException;
import java.nio.file.Files;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of a CA directory that relying parties read, all derived from {@code generations/} and
 * {@code index.tsv}: {@code ca.pem} (trust bundle), {@code ca-cert.pem} (current CA),
 * {@code cross.pem} (present during a rotation) and {@code crl.pem} (one CRL per trusted
 * generation). Rewritten whole on every change that affects them, each file atomically.
 */
final class PublishedFiles {

    private PublishedFiles() {
    }

    static RevocationList write(CaDirectory files, CaState state, List<IssuedRecord> records, Instant now) {
        List<X509Certificate> bundle = state.trustBundle();
        Pem.writePublic(files.file(CaDirectory.TRUST_BUNDLE), Pem.encode(bundle));
        Pem.writePublic(files.file(CaDirectory.CA_CERT), Pem.encode(state.current().certificate()));
        try {
            if (state.cross() != null) {
                Pem.writePublic(files.file(CaDirectory.CROSS_CERT), Pem.encode(state.cross()));
            } else {
                Files.deleteIfExists(files.file(CaDirectory.CROSS_CERT));
            }
        } catch (IOException e) {
            throw new PkiException("delete " + files.file(CaDirectory.CROSS_CERT) + ": " + e, e);
        }
        long number = CrlSigner.nextNumber(files.file(CaDirectory.CRL));
        List<X509CRL> crls = new ArrayList<>();
        for (CaState.Generation generation : state.trusted()) {
            List<IssuedRecord> revoked = records.stream()
                    .filter(r -> r.revoked() && r.caGeneration() == generation.generation() && !r.expiredAt(now))
                    .toList();
            crls.add(CrlSigner.sign(generation.certificate(), generation.key(), revoked, number, now,
                    CertificateAuthority.CRL_VALIDITY));
        }
        RevocationList list = new RevocationList(crls);
        Pem.writePublic(files.file(CaDirectory.CRL), list.pem());
        return list;
    }
}
