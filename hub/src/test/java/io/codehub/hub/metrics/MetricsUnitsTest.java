package io.codehub.hub.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import io.codehub.hub.config.MetricsProperties;
import io.codehub.tunnel.HandshakeProblem;
import io.codehub.web.ConfigurationException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http2.Http2Error;
import org.junit.jupiter.api.Test;

/** The small pieces of the hub's metrics: bounded labels, cached counters, the scrape token's checks. */
class MetricsUnitsTest {

    @Test
    void reactorNettyUrisAreBoundedToTheHubsAreas() {
        assertThat(ServerUris.bounded("/api/v1/agents/a-1")).isEqualTo("/api");
        assertThat(ServerUris.bounded("/actuator/prometheus")).isEqualTo("/actuator");
        assertThat(ServerUris.bounded("/api?x=1")).isEqualTo("/api");
        assertThat(ServerUris.bounded("/")).isEqualTo("/");
        assertThat(ServerUris.bounded("/wp-admin/setup.php")).isEqualTo("other");
        assertThat(ServerUris.bounded("/apiary")).isEqualTo("other");
    }

    @Test
    void tunnelMetersCountByOutcomeCodeAndDirection() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TunnelMeters meters = new TunnelMeters(registry);
        meters.handshakeAccepted(false);
        meters.handshakeAccepted(true);
        meters.handshakeRejected(HandshakeProblem.UNAUTHORIZED);
        meters.handshakeRejected(HandshakeProblem.HEADERS_TOO_LARGE);
        meters.tlsHandshakeFailed();
        meters.streamReset(Http2Error.CANCEL, true);
        meters.streamReset(Http2Error.CANCEL, true);
        meters.streamReset(Http2Error.REFUSED_STREAM, false);
        meters.bytesReceived(100);
        meters.pingAcknowledged(Duration.ofMillis(3).toNanos());

        assertThat(registry.get("codehub.tunnel.handshakes").tag("outcome", "ok").counter().count()).isEqualTo(2);
        assertThat(registry.get("codehub.tunnel.reconnects").counter().count()).isEqualTo(1);
        assertThat(registry.get("codehub.tunnel.handshakes").tag("outcome", "unauthorized").counter().count()).isEqualTo(1);
        assertThat(registry.get("codehub.tunnel.handshakes").tag("outcome", "malformed").counter().count()).isEqualTo(1);
        assertThat(registry.get("codehub.tunnel.handshakes").tag("outcome", "tls").counter().count()).isEqualTo(1);
        assertThat(registry.get("codehub.tunnel.stream.resets").tags("code", "cancel", "direction", "sent").counter()
                .count()).isEqualTo(2);
        assertThat(registry.get("codehub.tunnel.stream.resets").tags("code", "refused_stream", "direction", "received")
                .counter().count()).isEqualTo(1);
        assertThat(registry.get("codehub.tunnel").tag("direction", "received").counter().count()).isEqualTo(100);
        assertThat(registry.get("codehub.tunnel.rtt").timer().count()).isEqualTo(1);
    }

    @Test
    void gatewayMetersCountByStatusClassAndTrackWebSockets() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GatewayMeters meters = new GatewayMeters(registry);
        meters.exchanged(200, 10, 20, 1_000, false);
        meters.exchanged(502, 0, 5, 1_000, false);
        meters.exchanged(499, 0, 0, 1_000, false);
        meters.webSocketOpened();
        assertThat(registry.get("codehub.gateway.websockets.active").gauge().value()).isEqualTo(1);
        meters.exchanged(101, 7, 8, 1_000, true);

        assertThat(registry.get("codehub.gateway.websockets.active").gauge().value()).isZero();
        assertThat(registry.get("codehub.gateway.requests").tag("status", "5xx").timer().count()).isEqualTo(1);
        assertThat(registry.get("codehub.gateway.requests").tag("status", "4xx").timer().count()).isEqualTo(1);
        assertThat(registry.get("codehub.gateway.requests").tag("status", "1xx").timer().count()).isEqualTo(1);
        assertThat(registry.get("codehub.gateway").tag("direction", "received").counter().count()).isEqualTo(17);
        assertThat(registry.get("codehub.gateway").tag("direction", "sent").counter().count()).isEqualTo(33);
    }

    @Test
    void aScrapeTokenMustBeLongEnough() {
        assertThat(new MetricsProperties("  ", Duration.ofSeconds(15)).token()).isNull();
        assertThatThrownBy(() -> new MetricsProperties("short", Duration.ofSeconds(15)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("CODEHUB_HUB_METRICS_TOKEN");
        assertThatThrownBy(() -> new MetricsProperties(null, Duration.ZERO))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("CODEHUB_HUB_METRICS_REFRESH_INTERVAL");
    }
}
