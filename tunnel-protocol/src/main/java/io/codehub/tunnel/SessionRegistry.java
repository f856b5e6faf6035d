package io.codehub.tunnel;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * The live sessions of one {@link TunnelServer}, one per agent id. Registering a session for an
 * agent that already has one returns the old one, which the caller closes with GOAWAY
 * {@value TunnelProtocol#GOAWAY_REPLACED}: the newest connection wins, because the older one is
 * the likelier to be half-open. An instance field of the server, never a static map.
 */
final class SessionRegistry {

    private final ConcurrentHashMap<String, DefaultTunnelSession> byAgent = new ConcurrentHashMap<>();
    private final int maxTunnels;

    SessionRegistry(int maxTunnels) {
        this.maxTunnels = maxTunnels;
    }

    /** Whether one more agent may connect (a reconnecting agent replaces itself, so it always may). */
    boolean hasRoomFor(@Nullable String agentId) {
        return byAgent.size() < maxTunnels || (agentId != null && byAgent.containsKey(agentId));
    }

    /** Registers {@code session}; returns the session it replaces, if any. */
    @Nullable DefaultTunnelSession register(DefaultTunnelSession session) {
        return byAgent.put(session.agentId(), session);
    }

    /** Removes {@code session} unless a newer one of the same agent replaced it already. */
    void remove(DefaultTunnelSession session) {
        byAgent.remove(session.agentId(), session);
    }

    Optional<TunnelSession> find(String agentId) {
        return Optional.ofNullable(byAgent.get(agentId));
    }

    Collection<DefaultTunnelSession> all() {
        return List.copyOf(byAgent.values());
    }

    int size() {
        return byAgent.size();
    }
}
