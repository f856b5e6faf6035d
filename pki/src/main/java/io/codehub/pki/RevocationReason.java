package io.codehub.pki;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Why a certificate was revoked; the RFC 5280 CRLReason code written into the CRL entry. */
public enum RevocationReason {
    UNSPECIFIED(0),
    KEY_COMPROMISE(1),
    CA_COMPROMISE(2),
    AFFILIATION_CHANGED(3),
    SUPERSEDED(4),
    CESSATION_OF_OPERATION(5),
    PRIVILEGE_WITHDRAWN(9);

    private final int code;

    RevocationReason(int code) {
        this.code = code;
    }

    /** The RFC 5280 {@code CRLReason} value. */
    public int code() {
        return code;
    }

    /** The name used in files and on the command line, e.g. {@code key-compromise}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses a label ({@code key-compromise}) or constant name ({@code KEY_COMPROMISE}).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static RevocationReason parse(String text) {
        String normalized = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (RevocationReason reason : values()) {
            if (reason.name().equals(normalized)) {
                return reason;
            }
        }
        throw new IllegalArgumentException("revocation reason: '" + text + "' (expected one of: "
                + Arrays.stream(values()).map(RevocationReason::label).collect(Collectors.joining(", ")) + ")");
    }

    static RevocationReason fromCode(int code) {
        for (RevocationReason reason : values()) {
            if (reason.code == code) {
                return reason;
            }
        }
        return UNSPECIFIED;
    }
}
