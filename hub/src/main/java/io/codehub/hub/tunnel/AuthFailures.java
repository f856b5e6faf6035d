package io.codehub.hub.tunnel;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.events.EventType;
import io.codehub.hub.events.NewEvent;
import io.codehub.tunnel.spring.AgentTunnels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Refused tunnel handshakes that name a registered agent (its key's agent id, or its certificate's):
 * an {@code agent.auth-failed} event, and {@code lastDisconnectReason} {@code auth-failed} while the
 * agent has no session (an agent whose key was rotated past its grace period shows why it is gone).
 * An agent with a live session keeps its reason: then the event says that someone else tried its
 * name. At most one report per agent per {@link #QUIET}, so a flood of wrong keys (already slowed
 * by the failed-auth budget) cannot flood the history; called on event loops, never blocks.
 */
final class AuthFailures {

    private static final Logger log = LoggerFactory.getLogger(AuthFailures.class);
    /** Least time between two reports of one agent. */
    static final Duration QUIET = Duration.ofMinutes(1);
    /** Most agents remembered; past it the memory is cleared (a report more, never unbounded memory). */
    private static final int MAX_REMEMBERED = 10_000;

    private final AgentRepository agents;
    private final EventPublisher events;
    private final AgentTunnels tunnels;
    private final Scheduler writing;
    private final Clock clock;
    private final ConcurrentHashMap<String, Instant> lastReported = new ConcurrentHashMap<>();

    AuthFailures(AgentRepository agents, EventPublisher events, AgentTunnels tunnels, Scheduler writing, Clock clock) {
        this.agents = agents;
        this.events = events;
        this.tunnels = tunnels;
        this.writing = writing;
        this.clock = clock;
    }

    /** A handshake naming {@code agentId} was refused with {@code status} for {@code detail} (never a credential). */
    void refused(String agentId, int status, String detail) {
        Instant now = clock.instant();
        Instant last = lastReported.get(agentId);
        if (last != null && last.plus(QUIET).isAfter(now)) {
            return;
        }
        if (lastReported.size() >= MAX_REMEMBERED) {
            lastReported.clear();
        }
        lastReported.put(agentId, now);
        NewEvent event = NewEvent.agent(EventType.AGENT_AUTH_FAILED, agentId).withReason(detail)
                .with("status", Integer.toString(status));
        boolean connected = tunnels.session(agentId).isPresent();
        Mono<Boolean> known = connected ? Mono.just(true) : agents.recordAuthFailed(agentId, now);
        known.subscribeOn(writing).subscribe(registered -> {
            if (registered) {
                events.publish(event.with("connected", Boolean.toString(connected)));
            }
        }, e -> log.warn("the refused handshake of agent {} could not be recorded: {}", agentId, e.toString()));
    }
}
