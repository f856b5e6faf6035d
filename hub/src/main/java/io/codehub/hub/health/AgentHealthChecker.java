package io.codehub.hub.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.codehub.base.Backoff;
import io.codehub.hub.agents.Agent;
import io.codehub.hub.agents.AgentConnected;
import io.codehub.hub.agents.AgentFacts;
import io.codehub.hub.agents.AgentOwnership;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.agents.AgentStatus;
import io.codehub.hub.config.HubProperties;
import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.events.EventType;
import io.codehub.hub.events.NewEvent;
import io.codehub.hub.remote.AgentRuntimes;
import io.codehub.hub.workspaces.WorkspaceRepository;
import io.codehub.runtime.Health;
import io.codehub.runtime.HealthStatus;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Checks every agent's {@code GET /health} every {@code interval}.
 *
 * <h2>Failure and recovery</h2>
 * A check fails when the agent cannot be reached, does not answer within {@code timeout}, refuses
 * the hub's token or reports {@code DOWN}. After {@code failureThreshold} failures in a row an
 * {@code active} agent becomes {@code error}, leaves placement, and its workspaces with a step in
 * flight go {@code ERROR} with the reason (one transaction). From then on it is checked with
 * exponential backoff (a {@link Backoff} without jitter: the interval doubles with each further
 * failure, up to {@code maxBackoff}), and the first check it passes makes it {@code active} again;
 * its workspaces can then be retried.
 *
 * <h2>Isolation</h2>
 * Agents are checked concurrently and each check has its own timeout, so a hanging agent delays
 * no other agent's check.
 */
public final class AgentHealthChecker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(AgentHealthChecker.class);
    private static final Duration MAX_TICK = Duration.ofSeconds(1);
    /** The endpoint scheme of agents behind the tunnel (their sessions, not checks, say when they come and go). */
    private static final String TUNNEL_SCHEME = "tunnel";
    /** The disconnect reason of a direct agent that failed its checks. */
    private static final String DISCONNECT_ERROR = "error";

    private final AgentRepository agents;
    private final WorkspaceRepository workspaces;
    private final AgentRuntimes runtimes;
    private final TransactionalOperator tx;
    private final HubProperties.Health settings;
    private final Clock clock;
    private final Backoff backoff;
    private final EventPublisher events;
    private final Map<String, Instant> nextCheck = new ConcurrentHashMap<>();
    private final Set<String> checking = ConcurrentHashMap.newKeySet();
    private volatile HealthCheckObserver observer = HealthCheckObserver.NONE;
    private volatile AgentOwnership ownership = AgentOwnership.ALL;
    private volatile Disposable ticking = reactor.core.Disposables.composite();
    private volatile boolean running;

    public AgentHealthChecker(AgentRepository agents, WorkspaceRepository workspaces, AgentRuntimes runtimes,
            TransactionalOperator tx, HubProperties.Health settings, Clock clock, EventPublisher events) {
        this.agents = agents;
        this.workspaces = workspaces;
        this.runtimes = runtimes;
        this.tx = tx;
        this.settings = settings;
        this.clock = clock;
        this.events = events;
        // No jitter: checks run on the hub's own tick, and a maxBackoff below the interval means no backoff.
        Duration longest = settings.maxBackoff().compareTo(settings.interval()) > 0 ? settings.maxBackoff()
                : settings.interval();
        this.backoff = Backoff.exponential(settings.interval(), longest);
    }

    @Override
    public void start() {
        running = true;
        Duration tick = settings.interval().compareTo(MAX_TICK) < 0 ? settings.interval() : MAX_TICK;
        ticking = Flux.interval(Duration.ZERO, tick, Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(t -> checkDue().onErrorResume(e -> {
                    log.warn("health checks could not run: {}", e.toString());
                    return Mono.empty();
                }), 0)
                .subscribe();
    }

    @Override
    public void stop() {
        running = false;
        ticking.dispose();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Among many hubs: checks only the agents this hub {@code owns}. Set before start. */
    public void shareWork(AgentOwnership owns) {
        ownership = owns;
    }

    /** Starts the checks that are due; completes once they are started (not finished). */
    Mono<Void> checkDue() {
        Instant now = clock.instant();
        return agents.findAll(null, null).collectList()
                .doOnNext(all -> nextCheck.keySet().retainAll(all.stream().map(Agent::id).toList())) // deleted agents
                .flatMapIterable(all -> all)
                .filter(agent -> !now.isBefore(nextCheck.getOrDefault(agent.id(), Instant.MIN)))
                .filter(agent -> ownership.owns(agent.id()))
                .filter(agent -> checking.add(agent.id()))
                .doOnNext(agent -> check(agent)
                        .doFinally(s -> checking.remove(agent.id()))
                        .subscribe(null, e -> log.warn("health check of agent {} failed to record: {}", agent.id(),
                                e.toString())))
                .then();
    }

    /**
     * An agent just connected through the tunnel: check it at the next tick instead of when its
     * (possibly backed-off) schedule says, so an agent that failed its checks while it was away is
     * active again within one interval of its return.
     */
    @EventListener
    public void agentConnected(AgentConnected event) {
        nextCheck.remove(event.agentId());
    }

    /** Checks one agent and records the result; completes with the agent as recorded. */
    public Mono<Agent> check(Agent agent) {
        return runtimes.runtime(agent.id(), agent.endpoint()).health()
                .timeout(settings.timeout(), Mono.fromSupplier(() -> new Health(HealthStatus.DOWN, "unknown", "unknown",
                        null, "no answer to GET /health within " + settings.timeout())))
                .doOnNext(health -> observer.checked(health.status() == HealthStatus.UP))
                .flatMap(health -> health.status() == HealthStatus.UP
                        ? healthy(agent, health)
                        : unhealthy(agent, health.detail() == null ? "health is DOWN" : health.detail()));
    }

    private Mono<Agent> healthy(Agent before, Health health) {
        Instant now = clock.instant();
        boolean direct = direct(before);
        AgentFacts facts = new AgentFacts(health.os(), health.arch(), health.runtime(), health.backend());
        return agents.recordHealthy(before.id(), now, health.version(), facts, direct).doOnNext(after -> {
            nextCheck.put(after.id(), now.plus(settings.interval()));
            if (before.status() == AgentStatus.ERROR && after.status() == AgentStatus.ACTIVE) {
                log.info("agent {} ({}) is healthy again; it is active", after.id(), after.name());
            } else if (before.status() == AgentStatus.PENDING && after.status() == AgentStatus.ACTIVE) {
                log.info("agent {} ({}) answered its first health check; it is active", after.id(), after.name());
            }
            statusChanged(before, after, null);
            if (direct && (before.history().lastConnectedAt() == null || before.status() == AgentStatus.ERROR)) {
                // a direct agent has no session: its first passed check, or the first after it failed, connects it
                events.publish(NewEvent.agent(EventType.AGENT_CONNECTED, after.id()).with("via", "health-check")
                        .with("version", health.version()));
            }
        });
    }

    private void statusChanged(Agent before, Agent after, @Nullable String reason) {
        if (before.status() != after.status()) {
            events.publish(NewEvent.agent(EventType.AGENT_HEALTH_CHANGED, after.id()).withReason(reason)
                    .with("from", before.status().wire()).with("to", after.status().wire()));
        }
    }

    /** An agent the hub calls over HTTP(S), not through its tunnel session. */
    private static boolean direct(Agent agent) {
        return !TUNNEL_SCHEME.equalsIgnoreCase(agent.endpoint().getScheme());
    }

    private Mono<Agent> unhealthy(Agent before, String error) {
        Instant now = clock.instant();
        return agents.recordUnhealthy(before.id(), now, error).flatMap(after -> {
            int failures = after.consecutiveFailures();
            nextCheck.put(after.id(), now.plus(delayAfter(failures)));
            if (failures < settings.failureThreshold()) {
                log.info("agent {} failed health check {} of {}: {}", after.id(), failures, settings.failureThreshold(),
                        error);
                return Mono.just(after);
            }
            String reason = "agent " + after.name() + " (" + after.id() + ") failed " + failures
                    + " health checks in a row: " + error;
            Mono<Agent> markError = agents.markErrorIfFailing(after.id(), settings.failureThreshold(), now)
                    .flatMap(changed -> changed
                            ? workspaces.failInFlight(after.id(), reason, now).doOnNext(count -> log.warn(
                                    "{}; it is now error, and {} workspace(s) with a step in flight are ERROR", reason, count))
                                    .then(direct(after) ? agents.recordDisconnected(after.id(), now, DISCONNECT_ERROR)
                                            : Mono.just(true))
                            : Mono.just(false))
                    .then(agents.findById(after.id()));
            return tx.transactional(markError).doOnNext(marked -> {
                statusChanged(after, marked, error);
                if (marked.status() == AgentStatus.ERROR && after.status() != AgentStatus.ERROR && direct(after)) {
                    events.publish(NewEvent.agent(EventType.AGENT_DISCONNECTED, after.id()).withReason(DISCONNECT_ERROR)
                            .with("cause", error).with("via", "health-check"));
                }
            });
        });
    }

    /** Reports every check's outcome to {@code value} (metrics); none by default. */
    public void observe(HealthCheckObserver value) {
        observer = value;
    }

    /** Interval for a healthy or newly failing agent; doubling past the threshold, up to the cap. */
    Duration delayAfter(int failures) {
        int past = failures - settings.failureThreshold();
        if (past < 0) {
            return settings.interval();
        }
        return backoff.ceiling(past);
    }
}
