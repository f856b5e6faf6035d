package io.codehub.hub.metrics;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;

import io.codehub.hub.tunnel.LiveTunnels;
import io.codehub.tunnel.TunnelSession;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Gauges read from the live tunnel sessions: tunnels connected, streams open on them, and the
 * agents' session certificates by time to expiry. One snapshot of the sessions serves all of them
 * for {@link #MAX_AGE}, so a scrape walks the sessions once, not once per gauge.
 */
final class TunnelGauges {

    /** How long one walk over the sessions is reused. */
    static final Duration MAX_AGE = Duration.ofSeconds(1);

    /** The {@code expiry} buckets of {@code codehub_tunnel_certificates}, each "expires before" the next. */
    enum Expiry {
        EXPIRED("expired", Duration.ZERO),
        UNDER_1D("under_1d", Duration.ofDays(1)),
        UNDER_7D("under_7d", Duration.ofDays(7)),
        UNDER_30D("under_30d", Duration.ofDays(30)),
        LATER("later", null);

        final String label;
        final @Nullable Duration before;

        Expiry(String label, @Nullable Duration before) {
            this.label = label;
            this.before = before;
        }

        static Expiry of(Duration left) {
            for (Expiry expiry : values()) {
                if (expiry.before == null || left.compareTo(expiry.before) < 0) {
                    return expiry;
                }
            }
            return LATER;
        }
    }

    /** What one walk over the sessions found. */
    private record Snapshot(long takenAtNanos, int connected, int streams, int[] certificates) {
    }

    private final LiveTunnels tunnels;
    private final Clock clock;
    private volatile Snapshot last = new Snapshot(Long.MIN_VALUE, 0, 0, new int[Expiry.values().length]);

    TunnelGauges(LiveTunnels tunnels, Clock clock, MeterRegistry registry) {
        this.tunnels = tunnels;
        this.clock = clock;
        Gauge.builder("codehub.tunnels.connected", this, g -> g.snapshot().connected())
                .description("Agents connected through the tunnel to this hub")
                .register(registry);
        Gauge.builder("codehub.tunnel.streams.active", this, g -> g.snapshot().streams())
                .description("Streams open on the tunnels (Agent API calls and gateway CONNECT streams)")
                .register(registry);
        for (Expiry expiry : Expiry.values()) {
            Gauge.builder("codehub.tunnel.certificates", this, g -> g.snapshot().certificates()[expiry.ordinal()])
                    .description("Client certificates of connected agents' tunnels, by time left until they expire")
                    .tag("expiry", expiry.label)
                    .register(registry);
        }
    }

    private Snapshot snapshot() {
        Snapshot s = last;
        long now = System.nanoTime();
        if (s.takenAtNanos() != Long.MIN_VALUE && now - s.takenAtNanos() < MAX_AGE.toNanos()) {
            return s;
        }
        Collection<TunnelSession> sessions = tunnels.sessions();
        Instant wallNow = clock.instant();
        int connected = 0;
        int streams = 0;
        int[] certificates = new int[Expiry.values().length];
        for (TunnelSession session : sessions) {
            streams += session.activeStreams();
            if (!session.isActive()) {
                continue; // draining: its replacement, if any, is counted
            }
            connected++;
            if (!session.peerCertificates().isEmpty()) {
                X509Certificate leaf = session.peerCertificates().get(0);
                certificates[Expiry.of(Duration.between(wallNow, leaf.getNotAfter().toInstant())).ordinal()]++;
            }
        }
        s = new Snapshot(now, connected, streams, certificates);
        last = s;
        return s;
    }
}
