package io.codehub.hub.access;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.codehub.hub.config.GatewayProperties;
import io.codehub.hub.workspaces.WorkspaceService;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * Wires access to workspaces: the session keys read from (or made in) the database at start-up,
 * sessions, codes and their sweeper, the cookie, and the access API's service. The gateway's
 * {@link GatewayAddress} bean, when there is one, gives the links' port; without it the configured
 * {@code CODEHUB_HUB_GATEWAY_PORT} does. (It is looked up per request rather than replaced by a
 * {@code @ConditionalOnMissingBean} fallback, which in a plain configuration class would depend on
 * the order the classes are read in.)
 */
@Configuration(proxyBeanMethods = false)
public class AccessConfiguration {

    /** Longest wait for the session keys at start-up. */
    private static final Duration KEY_LOAD_TIMEOUT = Duration.ofSeconds(30);
    /** How often expired codes are deleted. */
    private static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);

    @Bean
    GatewaySessions gatewaySessions(DatabaseClient db, Clock clock) {
        List<GatewayKey> keys = new GatewayKeyRepository(db, clock, new SecureRandom()).loadOrCreate()
                .block(KEY_LOAD_TIMEOUT);
        if (keys == null || keys.isEmpty()) {
            throw new IllegalStateException("no gateway session key in table gateway_keys, and none could be made");
        }
        return new GatewaySessions(keys, clock);
    }

    @Bean
    SessionCookie sessionCookie(Clock clock) {
        return new SessionCookie(clock);
    }

    @Bean
    AccessCodes accessCodes(DatabaseClient db, GatewaySessions sessions, GatewayProperties gateway, Clock clock) {
        return new AccessCodes(db, sessions, gateway.codeTtl(), clock, new SecureRandom());
    }

    @Bean
    AccessCodeSweeper accessCodeSweeper(AccessCodes codes) {
        return new AccessCodeSweeper(codes, SWEEP_INTERVAL);
    }

    @Bean
    WorkspaceAccess workspaceAccess(WorkspaceService workspaces, GatewaySessions sessions, AccessCodes codes,
            GatewayProperties gateway, ObjectProvider<GatewayAddress> address, Clock clock) {
        return new WorkspaceAccess(workspaces, sessions, codes, gateway, () -> {
            GatewayAddress bound = address.getIfUnique();
            return bound != null ? bound.boundPort() : gateway.port();
        }, clock);
    }
}
