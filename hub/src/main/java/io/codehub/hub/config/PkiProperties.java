package io.codehub.hub.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.codehub.web.ConfigurationException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The hub's certificate authority, bound from {@code codehub.hub.pki.*} (environment variables
 * {@code CODEHUB_HUB_PKI_*}, listed in {@code docs/operations.md}).
 *
 * @param dir                      the CA directory made by {@code bin/codehub pki init}
 *                                 ({@code CODEHUB_HUB_PKI_DIR}); unset, the hub has no CA: no enrolment,
 *                                 no client certificates, {@code /pki/*} answers 409
 * @param passphraseFile           file holding the passphrase of an encrypted CA key
 *                                 ({@code CODEHUB_HUB_PKI_PASSPHRASE_FILE})
 * @param agentCertificateValidity lifetime of the certificates the hub signs at enrolment and renewal
 *                                 ({@code CODEHUB_HUB_PKI_AGENT_CERTIFICATE_VALIDITY}, default 7d)
 * @param checkInterval            how often the hub re-reads revocations (also those made with the CLI)
 *                                 and closes tunnels whose certificate is revoked or expired
 *                                 ({@code CODEHUB_HUB_PKI_CHECK_INTERVAL}, default 10s, at most 30s)
 */
@ConfigurationProperties("codehub.hub.pki")
public record PkiProperties(
        @Nullable Path dir,
        @Nullable Path passphraseFile,
        @DefaultValue("7d") Duration agentCertificateValidity,
        @DefaultValue("10s") Duration checkInterval) {

    public PkiProperties {
        if (dir != null && !Files.isDirectory(dir)) {
            throw new ConfigurationException("CODEHUB_HUB_PKI_DIR", dir + " is not a directory",
                    "Create the CA with: bin/codehub pki init --dir " + dir);
        }
        if (passphraseFile != null && !Files.isReadable(passphraseFile)) {
            throw new ConfigurationException("CODEHUB_HUB_PKI_PASSPHRASE_FILE", passphraseFile + " cannot be read",
                    "Point it at a readable file holding the CA key's passphrase.");
        }
        if (agentCertificateValidity.compareTo(Duration.ofMinutes(1)) < 0
                || agentCertificateValidity.compareTo(Duration.ofDays(366)) > 0) {
            throw new ConfigurationException("CODEHUB_HUB_PKI_AGENT_CERTIFICATE_VALIDITY",
                    agentCertificateValidity + " (expected: 1m to 366d)",
                    "Use a short lifetime such as 7d; agents renew at two thirds of it.");
        }
        if (checkInterval.compareTo(Duration.ofSeconds(1)) < 0 || checkInterval.compareTo(Duration.ofSeconds(30)) > 0) {
            throw new ConfigurationException("CODEHUB_HUB_PKI_CHECK_INTERVAL", checkInterval + " (expected: 1s to 30s)",
                    "Use at most 30s: a revoked certificate's tunnel must close within 30 seconds.");
        }
    }

    /** Whether the hub runs a CA. */
    public boolean enabled() {
        return dir != null;
    }
}
