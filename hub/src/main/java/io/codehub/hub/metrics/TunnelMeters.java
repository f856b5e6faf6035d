package io.codehub.hub.metrics;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.codehub.tunnel.HandshakeProblem;
import io.codehub.tunnel.TunnelObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.http2.Http2Error;

/**
 * The tunnel port's meters, fed by the protocol through {@link TunnelObserver}: handshakes by
 * outcome, reconnects (handshakes with a resumption ticket), replaced sessions, PING round trips,
 * stream resets by code and direction, and bytes each way. Every counter is looked up once (at
 * construction, or at the first reset of a code), so an event costs one increment.
 */
final class TunnelMeters implements TunnelObserver {

    private final Counter ok;
    private final Counter tls;
    private final Counter[] rejected = new Counter[HandshakeProblem.values().length];
    private final Counter reconnects;
    private final Counter replacements;
    private final Timer rtt;
    private final Counter received;
    private final Counter sent;
    private final AtomicReferenceArray<Counter> resets = new AtomicReferenceArray<>(Http2Error.values().length * 2);
    private final MeterRegistry registry;

    TunnelMeters(MeterRegistry registry) {
        this.registry = registry;
        ok = handshakes(registry, "ok");
        tls = handshakes(registry, "tls");
        for (HandshakeProblem problem : HandshakeProblem.values()) {
            rejected[problem.ordinal()] = handshakes(registry, outcome(problem));
        }
        reconnects = Counter.builder("codehub.tunnel.reconnects")
                .description("Tunnel handshakes of agents that came back with a resumption ticket")
                .register(registry);
        replacements = Counter.builder("codehub.tunnel.replacements")
                .description("Tunnel sessions replaced by a newer session of the same agent")
                .register(registry);
        rtt = Timer.builder("codehub.tunnel.rtt")
                .description("Round-trip time of the hub's keepalive PINGs")
                .serviceLevelObjectives(Durations.BUCKETS)
                .register(registry);
        received = bytes(registry, "received");
        sent = bytes(registry, "sent");
    }

    /** The {@code outcome} label of a refusal. */
    static String outcome(HandshakeProblem problem) {
        return switch (problem) {
            case UNAUTHORIZED -> "unauthorized";
            case FORBIDDEN -> "forbidden";
            case RATE_LIMITED -> "rate-limited";
            case TIMEOUT -> "timeout";
            case UNAVAILABLE -> "unavailable";
            case MALFORMED, NOT_FOUND, METHOD_NOT_ALLOWED, BODY_TOO_LARGE, UNSUPPORTED_VERSION, HEADERS_TOO_LARGE ->
                    "malformed";
        };
    }

    private static Counter handshakes(MeterRegistry registry, String outcome) {
        return Counter.builder("codehub.tunnel.handshakes")
                .description("Requests on the tunnel port by outcome (ok is an accepted tunnel)")
                .tag("outcome", outcome)
                .register(registry);
    }

    private static Counter bytes(MeterRegistry registry, String direction) {
        return Counter.builder("codehub.tunnel")
                .baseUnit("bytes")
                .description("Bytes on tunnel connections as the hub's sockets see them (TLS included)")
                .tag("direction", direction)
                .register(registry);
    }

    @Override
    public void handshakeAccepted(boolean resumed) {
        ok.increment();
        if (resumed) {
            reconnects.increment();
        }
    }

    @Override
    public void handshakeRejected(HandshakeProblem problem) {
        rejected[problem.ordinal()].increment();
    }

    @Override
    public void tlsHandshakeFailed() {
        tls.increment();
    }

    @Override
    public void sessionReplaced() {
        replacements.increment();
    }

    @Override
    public void pingAcknowledged(long rttNanos) {
        rtt.record(rttNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void streamReset(Http2Error error, boolean bySelf) {
        int index = error.ordinal() * 2 + (bySelf ? 1 : 0);
        Counter counter = resets.get(index);
        if (counter == null) {
            counter = Counter.builder("codehub.tunnel.stream.resets")
                    .description("Tunnel streams reset (RST_STREAM), by HTTP/2 error code and by who reset them")
                    .tag("code", error.name().toLowerCase(Locale.ROOT))
                    .tag("direction", bySelf ? "sent" : "received")
                    .register(registry);
            resets.set(index, counter);
        }
        counter.increment();
    }

    @Override
    public void bytesReceived(long bytes) {
        received.increment(bytes);
    }

    @Override
    public void bytesSent(long bytes) {
        sent.increment(bytes);
    }
}
