package io.codehub.hub.tunnel;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

import io.codehub.hub.agents.AgentFacts;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.events.EventType;
import io.codehub.hub.events.NewEvent;
import io.codehub.hub.remote.AgentClocks;
import io.codehub.tunnel.AgentDescription;
import io.codehub.tunnel.CloseReason;
import io.codehub.tunnel.TunnelSession;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Turns the tunnel's sessions into the agents' connection history and events: a session that
 * opens is {@code agent.connected} (and the agent's first and latest connection, its version and
 * facts, {@code pending} to {@code active}); one that closes is {@code agent.disconnected} with the
 * reason, or {@code agent.replaced} when a newer session of the agent took over (the agent stays
 * connected): a reconnect to this hub ({@code replaced}) or, when a hub drained, a new session the agent
 * opened (usually on another hub) before it closed this one ({@code moved}). The agent's clock offset measured at the handshake goes to {@link AgentClocks}, so its
 * first Agent API call already carries a token in its time. Called on event loops: the events are
 * only queued, and the row updates run on {@code writing} (those of opened sessions in batches,
 * {@link ConnectionWrites}); a failed update is logged and changes nothing else.
 */
final class SessionEvents {

    private static final Logger log = LoggerFactory.getLogger(SessionEvents.class);

    private final AgentRepository agents;
    private final ConnectionWrites connections;
    private final EventPublisher events;
    private final Scheduler writing;
    private final Clock clock;
    private final AgentClocks clocks;
    private final @Nullable String hub;

    /**
     * @param tx  what each batch of opened sessions is written in ({@link ConnectionWrites})
     * @param hub among many hubs this hub's id, which its events name ({@code "hub"}); null for a single hub
     * @param random the jitter of a batch's retry
     */
    SessionEvents(AgentRepository agents, TransactionalOperator tx, EventPublisher events, Scheduler writing,
            Clock clock, AgentClocks clocks, @Nullable String hub, RandomGenerator random) {
        this.connections = new ConnectionWrites(agents, tx, writing, this::activated, random);
        this.hub = hub;
        this.agents = agents;
        this.events = events;
        this.writing = writing;
        this.clock = clock;
        this.clocks = clocks;
    }

    /** A session opened. */
    void opened(TunnelSession session) {
        Instant at = clock.instant();
        Duration offset = session.agentClockOffset();
        if (offset != null) {
            clocks.recordOneWay(session.agentId(), offset, at.toEpochMilli());
        }
        AgentDescription description = session.description();
        events.publish(NewEvent.agent(EventType.AGENT_CONNECTED, session.agentId())
                .with("sessionId", session.sessionId())
                .with("remoteAddress", address(session.remoteAddress()))
                .with("version", session.agentVersion())
                .with("hub", hub));
        AgentFacts facts = new AgentFacts(description.os(), description.arch(), description.runtime(),
                description.backendVersion());
        connections.add(new ConnectionWrites.Opened(session.agentId(), session.sessionId(), at, session.agentVersion(),
                facts));
    }

    private void activated(String agentId) {
        events.publish(NewEvent.agent(EventType.AGENT_HEALTH_CHANGED, agentId)
                .with("from", "pending").with("to", "active").with("via", "tunnel-session"));
    }

    /** A session closed for {@code reason}. */
    void closed(TunnelSession session, CloseReason reason, @Nullable Throwable cause) {
        if (reason == CloseReason.REPLACED || reason == CloseReason.MOVED) {
            events.publish(NewEvent.agent(EventType.AGENT_REPLACED, session.agentId()).withReason(reason.wire())
                    .with("sessionId", session.sessionId())
                    .with("remoteAddress", address(session.remoteAddress()))
                    .with("hub", hub));
            return;
        }
        Instant at = clock.instant();
        events.publish(NewEvent.agent(EventType.AGENT_DISCONNECTED, session.agentId()).withReason(reason.wire())
                .with("sessionId", session.sessionId())
                .with("remoteAddress", address(session.remoteAddress()))
                .with("cause", cause == null ? null : cause.getMessage() == null ? cause.toString() : cause.getMessage())
                .with("hub", hub));
        update(session, "disconnection", Mono.defer(() -> agents.recordDisconnected(session.agentId(), at, reason.wire())));
    }

    private void update(TunnelSession session, String what, Mono<?> write) {
        write.subscribeOn(writing).subscribe(null, e -> log.warn("the {} of agent {} (session {}) could not be recorded: {}",
                what, session.agentId(), session.sessionId(), e.toString()));
    }

    private static String address(InetSocketAddress address) {
        return (address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress()) + ":"
                + address.getPort();
    }
}
