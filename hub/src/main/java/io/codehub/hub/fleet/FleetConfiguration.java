package io.codehub.hub.fleet;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;

import io.codehub.hub.config.FleetProperties;
import io.codehub.hub.tunnel.LiveTunnels;
import io.codehub.tunnel.TunnelSession;
import org.jspecify.annotations.Nullable;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the fleet history: sampled from the tunnel port's live sessions. */
@Configuration(proxyBeanMethods = false)
public class FleetConfiguration {

    @Bean
    FleetHistory fleetHistory(LiveTunnels tunnels, Clock clock, FleetProperties properties) {
        return new FleetHistory(() -> rtts(tunnels), clock, properties.sampleInterval(), properties.window());
    }

    @Bean
    FleetSampler fleetSampler(FleetHistory history) {
        return new FleetSampler(history);
    }

    private static Collection<@Nullable Duration> rtts(LiveTunnels tunnels) {
        return tunnels.sessions().stream().filter(TunnelSession::isActive).map(TunnelSession::lastRtt).toList();
    }
}
