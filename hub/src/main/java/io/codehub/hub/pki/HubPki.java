package io.codehub.hub.pki;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.codehub.hub.problem.HubProblemException;
import io.codehub.hub.problem.HubProblemType;
import io.codehub.pki.CertificateAuthority;
import io.codehub.pki.IssuedRecord;
import io.codehub.pki.RevocationReason;
import org.jspecify.annotations.Nullable;

/**
 * The hub's certificate authority ({@code CODEHUB_HUB_PKI_DIR}), or none. Revocations made by
 * another process on the same directory (the CLI, another hub) become visible with
 * {@link #reload()}, which the {@link CertificateWatch} calls on its interval.
 */
public final class HubPki {

    private final @Nullable CertificateAuthority ca;
    private final Duration agentValidity;
    private final List<Runnable> revocationListeners = new CopyOnWriteArrayList<>();

    HubPki(@Nullable CertificateAuthority ca, Duration agentValidity) {
        this.ca = ca;
        this.agentValidity = agentValidity;
    }

    /** A hub without a CA. */
    public static HubPki disabled() {
        return new HubPki(null, CertificateAuthority.DEFAULT_AGENT_VALIDITY);
    }

    /** A hub signing with {@code ca}. */
    public static HubPki of(CertificateAuthority ca, Duration agentValidity) {
        return new HubPki(ca, agentValidity);
    }

    public boolean enabled() {
        return ca != null;
    }

    /** The CA, or a {@code pki-not-configured} problem. */
    public CertificateAuthority ca() {
        CertificateAuthority c = ca;
        if (c == null) {
            throw new HubProblemException(HubProblemType.PKI_NOT_CONFIGURED,
                    "this hub has no certificate authority; set CODEHUB_HUB_PKI_DIR to a directory made by "
                            + "'bin/codehub pki init'");
        }
        return c;
    }

    /** Lifetime of the certificates signed at enrolment and renewal. */
    public Duration agentValidity() {
        return agentValidity;
    }

    /** The certificates agents' client certificates must chain to (more than one during a CA rotation). */
    public List<X509Certificate> trustAnchors() {
        return ca().trustBundle();
    }

    /** Whether {@code certificate} was revoked, as of the last change or {@link #reload()}. */
    public boolean isRevoked(X509Certificate certificate) {
        return isRevoked(certificate.getSerialNumber());
    }

    public boolean isRevoked(BigInteger serial) {
        CertificateAuthority c = ca;
        return c != null && c.isRevoked(serial);
    }

    /** Runs {@code listener} (on the revoking thread) after each revocation made through this hub. */
    public void onRevocation(Runnable listener) {
        revocationListeners.add(listener);
    }

    /**
     * Revokes every unexpired certificate issued to {@code agentId} (blocking file writes) and tells
     * the revocation listeners, which close the agent's tunnel.
     */
    public List<IssuedRecord> revokeAgent(String agentId, RevocationReason reason) {
        List<IssuedRecord> revoked = ca().revokeAgent(agentId, reason);
        revocationListeners.forEach(Runnable::run);
        return revoked;
    }

    /** Re-reads what other processes changed; blocking file reads (cheap when nothing changed). */
    public boolean reload() {
        CertificateAuthority c = ca;
        return c != null && c.reload();
    }
}
