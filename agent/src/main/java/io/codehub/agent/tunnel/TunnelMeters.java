package io.codehub.agent.tunnel;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.codehub.tunnel.ConnectorListener;
import io.codehub.tunnel.HubSessionInfo;
import io.codehub.tunnel.TunnelObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

/**
 * The agent's tunnel meters: whether its session is up, its reconnects and failed attempts (as a
 * {@link ConnectorListener} in front of the {@link ConnectionLog}, which it passes every call on
 * to), and the CONNECT streams the relay serves with their bytes (as the relay's
 * {@link TunnelObserver}). Every meter is looked up once, here.
 */
final class TunnelMeters implements ConnectorListener, TunnelObserver {

    private final ConnectorListener next;
    private final AtomicInteger openSessions = new AtomicInteger();
    private final AtomicInteger connectStreams = new AtomicInteger();
    private final Counter sessions;
    private final Counter reconnects;
    private final Counter failures;
    private final Counter connects;
    private final Counter toUpstream;
    private final Counter fromUpstream;
    private boolean hadSession;

    TunnelMeters(MeterRegistry registry, ConnectorListener next) {
        this.next = next;
        Gauge.builder("codehub.agent.tunnel.connected", openSessions, open -> Math.min(1, open.get()))
                .description("1 while the agent's tunnel session to the hub is up, else 0")
                .register(registry);
        sessions = Counter.builder("codehub.agent.tunnel.sessions")
                .description("Tunnel sessions opened (handshakes the hub accepted)")
                .register(registry);
        reconnects = Counter.builder("codehub.agent.tunnel.reconnects")
                .description("Tunnel sessions opened after an earlier one (a reconnect or a refresh)")
                .register(registry);
        failures = Counter.builder("codehub.agent.tunnel.connect.failures")
                .description("Failed attempts to connect to the hub or to pass its handshake")
                .register(registry);
        Gauge.builder("codehub.agent.connect.streams.active", connectStreams, AtomicInteger::get)
                .description("CONNECT streams (gateway traffic) open to workspace upstreams")
                .register(registry);
        connects = Counter.builder("codehub.agent.connect.streams")
                .description("CONNECT streams (gateway traffic) that reached their workspace upstream")
                .register(registry);
        toUpstream = bytes(registry, "to_upstream");
        fromUpstream = bytes(registry, "from_upstream");
    }

    private static Counter bytes(MeterRegistry registry, String direction) {
        return Counter.builder("codehub.agent.connect")
                .baseUnit("bytes")
                .description("Bytes relayed by CONNECT streams between the hub and workspace upstreams")
                .tag("direction", direction)
                .register(registry);
    }

    @Override
    public void sessionOpened(HubSessionInfo session) {
        sessions.increment();
        if (hadSession) {
            reconnects.increment();
        }
        hadSession = true;
        openSessions.incrementAndGet();
        next.sessionOpened(session);
    }

    @Override
    public void goAwayReceived(HubSessionInfo session, String reason) {
        next.goAwayReceived(session, reason);
    }

    @Override
    public void reconnectRequested(HubSessionInfo session) {
        next.reconnectRequested(session);
    }

    @Override
    public void sessionClosed(HubSessionInfo session, @Nullable Throwable cause) {
        openSessions.decrementAndGet();
        next.sessionClosed(session, cause);
    }

    @Override
    public void connectFailed(Throwable cause, Duration retryIn) {
        failures.increment();
        next.connectFailed(cause, retryIn);
    }

    @Override
    public void connectStreamOpened() {
        connects.increment();
        connectStreams.incrementAndGet();
    }

    @Override
    public void connectStreamClosed() {
        connectStreams.decrementAndGet();
    }

    @Override
    public void connectBytesToUpstream(long bytes) {
        toUpstream.increment(bytes);
    }

    @Override
    public void connectBytesFromUpstream(long bytes) {
        fromUpstream.increment(bytes);
    }
}
