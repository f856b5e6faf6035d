package io.codehub.agent.tunnel;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

import io.codehub.agent.AgentPlatform;
import io.codehub.runtime.Health;
import io.codehub.runtime.Runtime;
import io.codehub.tunnel.AgentDescription;
import org.jspecify.annotations.Nullable;

/**
 * What the agent tells the hub about itself at each tunnel handshake: its platform, and its
 * runtime and backend version as its last health check found them. Never blocks: the backend is
 * asked in the background when what is known is older than {@code maxAge} (a first time at
 * construction), and the handshake carries what is known by then; the hub learns the rest from
 * {@code GET /health}.
 */
final class HandshakeDescription {

    private final Runtime runtime;
    private final Duration maxAge;
    private final LongSupplier nanoTime;
    private final AtomicReference<@Nullable Health> last = new AtomicReference<>();
    private final AtomicLong askedAt = new AtomicLong();
    private final AtomicBoolean asking = new AtomicBoolean();

    HandshakeDescription(Runtime runtime, Duration maxAge, LongSupplier nanoTime) {
        this.runtime = runtime;
        this.maxAge = maxAge;
        this.nanoTime = nanoTime;
        refresh();
    }

    /** The description for the next handshake. */
    AgentDescription describe() {
        if (nanoTime.getAsLong() - askedAt.get() > maxAge.toNanos()) {
            refresh();
        }
        Health health = last.get();
        return AgentDescription.sanitized(AgentPlatform.os(), AgentPlatform.arch(),
                health == null ? null : health.runtime(), health == null ? null : health.backend());
    }

    private void refresh() {
        if (!asking.compareAndSet(false, true)) {
            return;
        }
        askedAt.set(nanoTime.getAsLong());
        runtime.health().timeout(Duration.ofSeconds(10)).doFinally(s -> asking.set(false)).subscribe(health -> {
            if (health.backend() != null || last.get() == null) {
                last.set(health);
            }
        }, error -> { });
    }
}
