package io.codehub.hub.admin;

import java.io.IOException;

import io.codehub.hub.config.AdminProperties;
import io.codehub.hub.config.DataDirectory;
import io.codehub.web.BearerTokenFilter;
import io.codehub.web.ConfigurationException;
import io.codehub.web.ProblemResponses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Resolves the admin token (configured, stored or generated) and installs the filter that checks it,
 * behind the per-address budget of failed attempts.
 */
@Configuration(proxyBeanMethods = false)
public class AdminConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AdminConfiguration.class);

    @Bean
    AdminToken adminToken(AdminProperties properties, DataDirectory dataDirectory) {
        try {
            return AdminToken.resolve(properties.token(), dataDirectory.path(), token -> log.warn("""

                    ==========================================================================
                    Generated the hub's admin token. It is shown only this once; the hub keeps
                    only its hash ({}). Use it as: Authorization: Bearer <token>

                        {}

                    Set CODEHUB_ADMIN_TOKEN to choose your own.
                    ==========================================================================""",
                    dataDirectory.resolve(AdminToken.HASH_FILE), token));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("CODEHUB_ADMIN_TOKEN", e.getMessage(),
                    "Use a random token of at least " + AdminToken.MIN_LENGTH
                            + " characters (e.g. openssl rand -base64 32), or unset it to have one generated.", e);
        } catch (IOException e) {
            throw new ConfigurationException("CODEHUB_HUB_DATA_DIR", "cannot use the admin token hash in "
                    + dataDirectory.path() + ": " + e.getMessage(),
                    "Remove " + AdminToken.HASH_FILE + " to generate a new token, or set CODEHUB_ADMIN_TOKEN.", e);
        }
    }

    /** Before the token filter: an address out of failed attempts is refused before its token is checked. */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    AdminAuthBudget adminAuthBudget(AdminProperties properties, ProblemResponses problems) {
        return new AdminAuthBudget(properties.failedAuthBurst(), properties.failedAuthRefill(), System::nanoTime,
                problems);
    }

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 1)
    BearerTokenFilter adminTokenFilter(AdminToken token, ProblemResponses problems) {
        return new BearerTokenFilter(path -> path.startsWith("/api/"),
                candidate -> token.matches(candidate) ? null : "the bearer token is not the admin token",
                "<admin token>", problems);
    }
}
