package io.codehub.hub.pki;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;

import io.codehub.hub.config.PkiProperties;
import io.codehub.pki.CertificateAuthority;
import io.codehub.pki.PkiException;
import io.codehub.web.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Opens the hub's CA ({@code CODEHUB_HUB_PKI_*}); the tunnel package uses it for client certificates and enrolment. */
@Configuration(proxyBeanMethods = false)
public class PkiConfiguration {

    private static final Logger log = LoggerFactory.getLogger(PkiConfiguration.class);

    @Bean
    HubPki hubPki(PkiProperties properties, Clock clock) {
        if (!properties.enabled()) {
            return HubPki.disabled();
        }
        char[] passphrase = null;
        if (properties.passphraseFile() != null) {
            try {
                passphrase = Files.readString(properties.passphraseFile(), StandardCharsets.UTF_8).strip().toCharArray();
            } catch (IOException e) {
                throw new ConfigurationException("CODEHUB_HUB_PKI_PASSPHRASE_FILE", "cannot read "
                        + properties.passphraseFile() + ": " + e.getMessage(), "Make the file readable by the hub.", e);
            }
        }
        try {
            CertificateAuthority ca = CertificateAuthority.open(properties.dir(), passphrase, clock);
            log.info("certificate authority {} (generation {}); agent certificates valid {}",
                    ca.certificate().getSubjectX500Principal().getName(), ca.generation(),
                    properties.agentCertificateValidity());
            return HubPki.of(ca, properties.agentCertificateValidity());
        } catch (PkiException e) {
            throw new ConfigurationException("CODEHUB_HUB_PKI_DIR", "cannot open the CA in " + properties.dir() + ": "
                    + e.getMessage(), "Point it at a directory made by 'bin/codehub pki init' (and set "
                    + "CODEHUB_HUB_PKI_PASSPHRASE_FILE if its key is encrypted).", e);
        }
    }
}
