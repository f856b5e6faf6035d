package io.codehub.pki;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * The signed CRLs of a CA directory ({@code crl.pem}): one per CA generation still trusted, the
 * current CA's first. Relying parties that validate chains through a cross certificate need every
 * one of them.
 */
public final class RevocationList {

    private final List<X509CRL> crls;

    RevocationList(List<X509CRL> crls) {
        if (crls.isEmpty()) {
            throw new IllegalArgumentException("crls: empty (expected: at least the current CA's)");
        }
        this.crls = List.copyOf(crls);
    }

    /** Parses CRL PEM text (as served at {@code /pki/crl.pem}). */
    public static RevocationList parse(String pem, String source) {
        return new RevocationList(Pem.parseCrls(pem, source));
    }

    /** Reads a CRL file such as a CA directory's {@code crl.pem}. */
    public static RevocationList read(Path file) {
        return new RevocationList(Pem.readCrls(file));
    }

    /** The current CA's CRL. */
    public X509CRL crl() {
        return crls.get(0);
    }

    /** Every CRL, the current CA's first. */
    public List<X509CRL> all() {
        return crls;
    }

    /** Whether any of the CRLs lists {@code serial}. */
    public boolean isRevoked(BigInteger serial) {
        return entry(serial).isPresent();
    }

    /** The CRL entry that revokes {@code serial}, if any. */
    public Optional<X509CRLEntry> entry(BigInteger serial) {
        for (X509CRL crl : crls) {
            X509CRLEntry entry = crl.getRevokedCertificate(serial);
            if (entry != null) {
                return Optional.of(entry);
            }
        }
        return Optional.empty();
    }

    /** When the current CA's CRL stops being valid; a relying party refuses it after that. */
    public @Nullable Instant nextUpdate() {
        return crl().getNextUpdate() == null ? null : crl().getNextUpdate().toInstant();
    }

    /** All CRLs as PEM, the content of {@code crl.pem}. */
    public String pem() {
        StringBuilder out = new StringBuilder();
        crls.forEach(crl -> out.append(Pem.encode(crl)));
        return out.toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RevocationList that && crls.equals(that.crls);
    }

    @Override
    public int hashCode() {
        return Objects.hash(crls);
    }

    @Override
    public String toString() {
        return "RevocationList[crls=" + crls.size() + ", entries=" + crls.stream()
                .mapToInt(crl -> crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size()).sum() + "]";
    }
}
