package io.codehub.hub.identity;

import java.io.IOException;

import io.codehub.hub.config.ClusterProperties;
import io.codehub.hub.config.DataDirectory;
import io.codehub.hub.db.SharedSecrets;
import io.codehub.web.ConfigurationException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * Loads (or creates) the hub's identity from the data directory; among many hubs, the one identity
 * they share in the database.
 */
@Configuration(proxyBeanMethods = false)
public class IdentityConfiguration {

    @Bean
    HubIdentity hubIdentity(DataDirectory dataDirectory, ClusterProperties cluster, ObjectProvider<DatabaseClient> db) {
        try {
            HubIdentity own = HubKeyStore.loadOrCreate(dataDirectory.path());
            // Many hubs sign with one key, so every agent accepts every hub's tokens and tickets.
            return cluster.enabled() ? HubKeyStore.shared(own, new SharedSecrets(db.getObject())) : own;
        } catch (IOException e) {
            throw new ConfigurationException("CODEHUB_HUB_DATA_DIR",
                    "cannot use the hub key " + dataDirectory.resolve(HubKeyStore.FILE_NAME) + ": " + e.getMessage(),
                    "Restore the key file from a backup, or remove it to generate a new key (agents must then be "
                            + "given the new public key).", e);
        }
    }
}
