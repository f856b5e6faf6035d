package io.codehub.agent.tunnel;

import java.net.URI;
import java.time.Duration;
import java.util.function.LongSupplier;

import io.codehub.tunnel.ConnectorListener;
import io.codehub.tunnel.HubSessionInfo;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tunnel's log lines: INFO when a session opens or closes (hub id, session id), WARN when the
 * hub cannot be reached, with the retry delay. An agent cut off from its hub retries every few
 * seconds for as long as it runs, so failures are logged at WARN on the first attempt and then
 * once per {@code warnEvery} with the number of attempts in between (DEBUG for the others).
 * Called on the connector's event loop only.
 */
final class ConnectionLog implements ConnectorListener {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLog.class);

    private final URI hub;
    private final long warnEveryNanos;
    private final LongSupplier nanoTime;
    private long failures;
    private long suppressed;
    private long lastWarnNanos;

    ConnectionLog(URI hub, Duration warnEvery, LongSupplier nanoTime) {
        this.hub = hub;
        this.warnEveryNanos = warnEvery.toNanos();
        this.nanoTime = nanoTime;
    }

    @Override
    public void sessionOpened(HubSessionInfo session) {
        log.info("tunnel session {} to hub {} at {} open{}", session.sessionId(), session.hubId(), hub,
                failures == 0 ? "" : " after " + failures + " failed attempts");
        failures = 0;
        suppressed = 0;
    }

    @Override
    public void goAwayReceived(HubSessionInfo session, String reason) {
        log.info("tunnel session {} to hub {}: hub sent GOAWAY '{}'", session.sessionId(), session.hubId(), reason);
    }

    @Override
    public void reconnectRequested(HubSessionInfo session) {
        log.info("tunnel session {} to hub {}: the hub asked to reconnect elsewhere; dialling a new session while "
                + "this one serves on", session.sessionId(), session.hubId());
    }

    @Override
    public void sessionClosed(HubSessionInfo session, @Nullable Throwable cause) {
        if (cause == null) {
            log.info("tunnel session {} to hub {} closed", session.sessionId(), session.hubId());
        } else {
            log.info("tunnel session {} to hub {} closed: {}", session.sessionId(), session.hubId(), cause.toString());
        }
    }

    @Override
    public void connectFailed(Throwable cause, Duration retryIn) {
        failures++;
        long now = nanoTime.getAsLong();
        if (failures == 1 || now - lastWarnNanos >= warnEveryNanos) {
            log.warn("cannot open a tunnel to hub {}: {}; retrying in {} ms{}", hub, cause.getMessage(), retryIn.toMillis(),
                    suppressed == 0 ? "" : " (" + suppressed + " more failed attempts since the last report)");
            lastWarnNanos = now;
            suppressed = 0;
        } else {
            suppressed++;
            log.debug("cannot open a tunnel to hub {}: {}; retrying in {} ms", hub, cause.getMessage(), retryIn.toMillis());
        }
    }

    long failures() {
        return failures;
    }
}
