package io.codehub.hub.tunnel;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.codehub.hub.pki.HubPki;
import io.codehub.pki.Serials;
import io.codehub.tunnel.CloseReason;
import io.codehub.tunnel.TunnelSession;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Keeps live tunnels honest about their certificates: every {@code CODEHUB_HUB_PKI_CHECK_INTERVAL}
 * (at most 30 s) it re-reads the CA directory, if there is one (so a revocation made with the CLI
 * counts too), reloads the tunnel port's TLS if its files or the trust bundle changed (a renewed
 * hub certificate is picked up with or without a CA), and closes every session
 * whose client certificate is now revoked or expired. {@link #checkNow()} runs the same check at
 * once (after a revocation through the API).
 */
public final class CertificateWatch implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CertificateWatch.class);
    /** The GOAWAY debug data of a session closed for its certificate. */
    static final String GOAWAY_REVOKED = "certificate-revoked";
    static final String GOAWAY_EXPIRED = "certificate-expired";

    private final HubPki pki;
    private final LiveTunnels tunnels;
    private final @Nullable TunnelTls tls;
    private final Duration interval;
    private final Clock clock;
    private final AtomicLong closed = new AtomicLong();
    /** Serials already warned about, so each stale certificate is logged once. */
    private final Set<BigInteger> warned = ConcurrentHashMap.newKeySet();
    private volatile @Nullable ScheduledExecutorService timer;

    public CertificateWatch(HubPki pki, LiveTunnels tunnels, @Nullable TunnelTls tls, Duration interval, Clock clock) {
        this.pki = pki;
        this.tunnels = tunnels;
        this.tls = tls;
        this.interval = interval;
        this.clock = clock;
    }

    /** Tunnels closed because of their certificates since start. */
    public long closedSessions() {
        return closed.get();
    }

    /** Runs the check now, on the calling thread (it reads files: not on an event loop). */
    public synchronized void checkNow() {
        try {
            pki.reload();
            if (tls != null) {
                tls.refresh();
            }
        } catch (RuntimeException e) {
            log.warn("cannot re-read the CA directory, checking with what is known: {}", e.getMessage());
        }
        for (TunnelSession session : tunnels.sessions()) {
            if (session.peerCertificates().isEmpty()) {
                continue;
            }
            X509Certificate leaf = session.peerCertificates().get(0);
            String serial = Serials.hex(leaf);
            if (pki.isRevoked(leaf)) {
                log.warn("closing the tunnel of agent {}: its certificate {} is revoked", session.agentId(), serial);
                close(session, GOAWAY_REVOKED);
            } else if (!leaf.getNotAfter().toInstant().isAfter(clock.instant())) {
                log.warn("closing the tunnel of agent {}: its certificate {} expired at {}", session.agentId(), serial,
                        leaf.getNotAfter().toInstant());
                close(session, GOAWAY_EXPIRED);
            } else if (overdue(leaf) && warned.add(leaf.getSerialNumber())) {
                log.warn("agent {} still presents certificate {}, which expires at {}: it is past the point where "
                        + "agents renew (two thirds of its lifetime); see the agent's log", session.agentId(), serial,
                        leaf.getNotAfter().toInstant());
            }
        }
    }

    /** In the last sixth of its lifetime: an agent renewing at two thirds should be long done. */
    private boolean overdue(X509Certificate leaf) {
        long from = leaf.getNotBefore().getTime();
        long until = leaf.getNotAfter().getTime();
        return clock.millis() > until - (until - from) / 6;
    }

    private void close(TunnelSession session, String reason) {
        closed.incrementAndGet();
        session.close(reason, CloseReason.REVOKED);
    }

    @Override
    public void start() {
        if (!pki.enabled() && (tls == null || !tls.enabled())) {
            return; // no certificates to watch: neither a CA nor TLS files
        }
        ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "codehub-certificate-watch");
            thread.setDaemon(true);
            return thread;
        });
        t.scheduleWithFixedDelay(() -> {
            try {
                checkNow();
            } catch (RuntimeException e) {
                log.error("certificate check failed", e);
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        timer = t;
    }

    @Override
    public void stop() {
        ScheduledExecutorService t = timer;
        timer = null;
        if (t != null) {
            t.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return timer != null;
    }
}
