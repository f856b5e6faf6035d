package io.codehub.hub.cluster;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

import io.codehub.hub.config.ClusterProperties;
import io.codehub.hub.config.TunnelProperties;
import io.codehub.hub.db.DatabaseTarget;
import io.codehub.hub.db.SharedSecrets;
import io.codehub.hub.identity.HubDrainStatus;
import io.codehub.hub.tunnel.AgentTunnelAuthenticator;
import io.codehub.hub.tunnel.LiveTunnels;
import io.codehub.hub.tunnel.TunnelPort;
import io.codehub.tunnel.RelayClient;
import io.codehub.web.ConfigurationException;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.micrometer.metrics.autoconfigure.MeterRegistryCustomizer;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * Wires many hubs on one PostgreSQL (docs/high-availability.md): only when
 * {@code CODEHUB_HUB_INTERNAL_URL} is set. The readiness indicator {@code cluster} exists either way
 * (always up for a single hub), so the readiness group names it unconditionally.
 */
@Configuration(proxyBeanMethods = false)
public class ClusterConfiguration {

    /** Readiness: down while this hub holds no lease, so a load balancer sends it nothing. */
    @Bean
    HealthIndicator clusterHealthIndicator(ObjectProvider<Membership> membership) {
        return () -> {
            Membership m = membership.getIfAvailable();
            if (m == null) {
                return Health.up().build();
            }
            return m.holdsLease() ? Health.up().build() : Health.outOfService().build();
        };
    }

    /** The beans of a hub that is one of many. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(prefix = "codehub.hub", name = "internal-url")
    static class Enabled {

        private static final String RELAY_KEY = "relay-token-key";
        private static final Logger log = LoggerFactory.getLogger(ClusterConfiguration.class);

        @Bean
        ClusterTables clusterTables(DatabaseClient db, DatabaseTarget target) {
            if (!(target instanceof DatabaseTarget.Postgres)) {
                throw new ConfigurationException("CODEHUB_DATABASE_URL", "many hubs (CODEHUB_HUB_INTERNAL_URL is "
                        + "set) need PostgreSQL, and this hub uses the " + target.describe(),
                        "Set CODEHUB_DATABASE_URL=postgresql://user@host:port/database on every hub, or unset "
                                + "CODEHUB_HUB_INTERNAL_URL to run a single hub.");
            }
            return new ClusterTables(db);
        }

        @Bean
        Membership membership(ClusterTables tables, LiveTunnels local, ClusterProperties properties) {
            return new Membership(tables, local, properties.idOrHostName(), properties.internalUrl().toString(),
                    properties.leaseTtl(), properties.leaseRenewInterval());
        }

        /**
         * The tunnel port admits agents only under a lease. Installed once every bean exists: the
         * authenticator sits on the path agents API, registry, transports, tunnels, membership.
         */
        @Bean
        SmartInitializingSingleton admitOnlyUnderLease(AgentTunnelAuthenticator authenticator,
                Membership membership, HubDrainStatus drain) {
            return () -> {
                authenticator.admitOnlyWhile(membership::holdsLease);
                membership.drainingWhen(drain::draining);
            };
        }

        @Bean
        RelayTokens relayTokens(DatabaseClient db, Membership membership, Clock clock) {
            SecureRandom random = new SecureRandom();
            String stored = new SharedSecrets(db).getOrStore(RELAY_KEY, () -> {
                byte[] secret = new byte[RelayTokens.KEY_BYTES];
                random.nextBytes(secret);
                return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
            });
            return new RelayTokens(Base64.getUrlDecoder().decode(stored), membership.hubId(), clock);
        }

        @Bean(destroyMethod = "close")
        RelayClient relayClient() {
            return RelayClient.builder().build();
        }

        @Bean
        @Primary
        ClusterTunnels clusterTunnels(LiveTunnels local, Membership membership, RelayClient relay,
                RelayTokens tokens) {
            return new ClusterTunnels(local, membership, relay, tokens);
        }

        @Bean
        @Primary
        ClusterConnections clusterConnections(LiveTunnels local, Membership membership) {
            return new ClusterConnections(local, membership);
        }

        @Bean
        ClusterStepClaims clusterStepClaims(ClusterTables tables, Membership membership) {
            return new ClusterStepClaims(tables, membership);
        }

        /**
         * Every meter of this hub carries {@code hub="<CODEHUB_HUB_ID>"} (one value per process, so no
         * cardinality cost): dashboards and alerts tell the hubs apart even when scraped through a
         * load balancer.
         */
        @Bean
        MeterRegistryCustomizer<MeterRegistry> hubTag(ClusterProperties properties) {
            String hub = properties.idOrHostName();
            return registry -> registry.config().commonTags("hub", hub);
        }

        /**
         * On SIGTERM (the context closing), before anything stops: the tunnel port starts its drain
         * (its agents move to other hubs, make-before-break, while the load balancer takes this hub
         * out: a load balancer that cuts a marked-down hub's tunnels, as the shipped HAProxy config
         * does, finds them moved instead of cutting them under calls), readiness answers 503, and the
         * hub keeps serving for {@code CODEHUB_HUB_SHUTDOWN_DELAY}, so the load balancer stops sending
         * it requests before its listeners close; then the rest stops as always.
         */
        @Bean
        ApplicationListener<ContextClosedEvent> shutdownDelay(ClusterProperties properties,
                ApplicationEventPublisher events, ObjectProvider<TunnelPort> tunnelPort) {
            return event -> {
                Duration delay = properties.shutdownDelay();
                if (delay.isZero()) {
                    return;
                }
                TunnelPort port = tunnelPort.getIfAvailable();
                if (port != null && port.isRunning()) {
                    port.drain(); // turns readiness to REFUSING_TRAFFIC itself
                } else {
                    AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
                }
                log.info("shutting down in {}: readiness answers 503 meanwhile, so the load balancer moves on", delay);
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
        }

        @Bean
        RelayPort relayPort(ClusterProperties properties, LiveTunnels local, RelayTokens tokens,
                TunnelProperties tunnel) {
            return new RelayPort(properties.internalAddress(), properties.internalPort(), local, tokens,
                    tunnel.drainGrace());
        }
    }
}
