package io.codehub.hub.identity;

import java.io.IOException;

import io.codehub.hub.config.DataDirectory;
import io.codehub.web.ConfigurationException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Loads (or creates) the hub's identity from the data directory. */
@Configuration(proxyBeanMethods = false)
public class IdentityConfiguration {

    @Bean
    HubIdentity hubIdentity(DataDirectory dataDirectory) {
        try {
            return HubKeyStore.loadOrCreate(dataDirectory.path());
        } catch (IOException e) {
            throw new ConfigurationException("CODEHUB_HUB_DATA_DIR",
                    "cannot use the hub key " + dataDirectory.resolve(HubKeyStore.FILE_NAME) + ": " + e.getMessage(),
                    "Restore the key file from a backup, or remove it to generate a new key (agents must then be "
                            + "given the new public key).", e);
        }
    }
}
