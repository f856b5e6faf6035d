package io.codehub.pki;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One line of the CA's issued-certificates index ({@code index.tsv}): what was issued to whom,
 * until when, and whether it has been revoked.
 *
 * @param serial the certificate's serial number
 * @param caGeneration which CA signed it: 1 for the first, incremented by each {@code rotate-ca}
 * @param kind agent or server certificate
 * @param name the agent id, or the server's names joined by commas
 * @param notAfter end of validity
 * @param revokedAt when it was revoked, or null
 * @param reason why it was revoked, or null
 */
public record IssuedRecord(BigInteger serial, int caGeneration, Kind kind, String name, Instant notAfter,
        @Nullable Instant revokedAt, @Nullable RevocationReason reason) {

    /** What a certificate was issued for. */
    public enum Kind {
        AGENT,
        SERVER
    }

    public IssuedRecord {
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(notAfter, "notAfter");
        if ((revokedAt == null) != (reason == null)) {
            throw new IllegalArgumentException("revokedAt and reason: both or neither");
        }
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    /** Whether the certificate is past its validity at {@code instant}. */
    public boolean expiredAt(Instant instant) {
        return notAfter.isBefore(instant);
    }

    IssuedRecord revoke(Instant at, RevocationReason why) {
        return new IssuedRecord(serial, caGeneration, kind, name, notAfter, at, why);
    }

    /** The serial as OpenSSL prints it: upper-case hex. */
    public String serialHex() {
        return Serials.hex(serial);
    }
}
