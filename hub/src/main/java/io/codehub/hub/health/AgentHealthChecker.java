package io.codehub.hub.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

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
 * Agents are checked concurrently (at most {@value #MAX_CONCURRENT_CHECKS} at once) and each check
 * has its own timeout, so a hanging agent delays no other agent's check.
 *
 * <h2>Many agents</h2>
 * Each agent is checked every {@code interval} from its own point of it (a hash of its id), so a
 * fleet's checks are spread evenly over the interval instead of arriving at one tick, after a hub
 * restart too; a direct agent that just registered is checked at the next tick, a tunnel agent
 * an interval after its session opened (the handshake showed it reachable). When more are due than
 * may run, the longest due go first; each tick takes them from the front of a queue ordered by due
 * time, without looking at the agents not due ({@link CheckTimes}). An agent another hub checks is
 * looked at again an interval later. A passed check that changes nothing but its time (the common case) is written with the
 * others of its tick in one statement; the list of agents is read every few seconds, a few columns
 * of each, and the rows of the agents due at each tick. After the hub starts, tunnel agents are
 * first checked in the interval after the first: they are reconnecting meanwhile, and a check
 * before their session is back would only record a failure (and a whole fleet's at that).
 */
public final class AgentHealthChecker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(AgentHealthChecker.class);
    /**
     * How often due checks are started: a fifth of a second, so that a fleet's checks (333 a second
     * for 10,000 agents at 30 s) start in small bursts; started once a second, each burst held the
     * event loops for tens of milliseconds, and an API call landing on one waited that long.
     */
    private static final Duration MAX_TICK = Duration.ofMillis(200);
    /** Checks running at once; more due wait for the next tick (a fleet's first checks, say). */
    static final int MAX_CONCURRENT_CHECKS = 1024;
    /** How much sooner than the interval a passed check's next one is due, beyond a tick: room for the call. */
    static final long CALL_ALLOWANCE_MILLIS = 1000;
    static final long ROSTER_MAX_AGE_SECONDS = 5;
    /** Passed checks written by one statement at most. */
    private static final int PASSED_BATCH = 1000;
    private static final Duration ROSTER_MAX_AGE = Duration.ofSeconds(ROSTER_MAX_AGE_SECONDS);
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
    private final CheckTimes nextCheck = new CheckTimes();
    private final Set<String> checking = ConcurrentHashMap.newKeySet();
    /** Agents that passed a check that changed nothing but its time, to be written in one batch. */
    private final Queue<String> passed = new ConcurrentLinkedQueue<>();
    /** Agents whose last check failed. */
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private volatile @Nullable Map<String, AgentRepository.Schedule> roster;
    private volatile Instant rosterReadAt = Instant.MIN;
    /** Until when tunnel agents are not yet checked after a start (they are reconnecting). */
    private volatile Instant reconnectGraceEnd = Instant.MIN;
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
        reconnectGraceEnd = clock.instant().plus(settings.interval());
        Duration tick = tick();
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

    /**
     * Starts the checks that are due, at most {@value #MAX_CONCURRENT_CHECKS} running at once (the
     * rest are due at the next tick); completes once they are started (not finished). The list of
     * agents is read every {@value #ROSTER_MAX_AGE_SECONDS} s at most (a few columns), the due
     * agents' rows at each tick.
     */
    Mono<Void> checkDue() {
        Instant now = clock.instant();
        return recordPassed(now).then(roster(now)).flatMapMany(current -> {
            int free = MAX_CONCURRENT_CHECKS - checking.size();
            List<String> due = new ArrayList<>();
            // The longest due first: when more are due than may run, none waits for ever.
            for (Iterator<CheckTimes.Due> next = nextCheck.due(now); next.hasNext() && due.size() < free;) {
                String id = next.next().agentId();
                AgentRepository.Schedule agent = current.get(id);
                // Not listed yet (registered since the list was read), or a tunnel agent that never
                // connected (its first session makes it active): nothing to check yet.
                if (agent == null || agent.tunnel() && agent.status() == AgentStatus.PENDING) {
                    continue;
                }
                if (!ownership.owns(id)) {
                    // Another hub checks it; looked at again an interval later (it may be this hub's by then).
                    nextCheck.put(id, now.plus(settings.interval()));
                } else if (checking.add(id)) {
                    due.add(id);
                }
            }
            // The checks start off the event loop that read the rows (it serves the API too).
            return agents.findAllById(due).collectList().publishOn(Schedulers.parallel()).doOnNext(found -> {
                Set<String> deleted = new HashSet<>(due);
                found.forEach(agent -> deleted.remove(agent.id()));
                checking.removeAll(deleted);
            }).doOnError(e -> due.forEach(checking::remove)).flatMapIterable(found -> found);
        }).doOnNext(agent -> check(agent, now)
                .doFinally(s -> checking.remove(agent.id()))
                .subscribe(null, e -> {
                    // Not recorded (the database, say): due again in one interval, not at every tick.
                    nextCheck.put(agent.id(), clock.instant().plus(settings.interval()));
                    log.warn("health check of agent {} failed to record: {}", agent.id(), e.toString());
                }))
                .then();
    }

    /**
     * Every agent's schedule, read again when older than {@value #ROSTER_MAX_AGE_SECONDS} s or the
     * interval; agents new to it get their first check time, deleted ones lose theirs.
     */
    private Mono<Map<String, AgentRepository.Schedule>> roster(Instant now) {
        Map<String, AgentRepository.Schedule> current = roster;
        Duration maxAge = settings.interval().compareTo(ROSTER_MAX_AGE) < 0 ? settings.interval() : ROSTER_MAX_AGE;
        if (current != null && now.isBefore(rosterReadAt.plus(maxAge))) {
            return Mono.just(current);
        }
        // Off the event loop that read the last page (it serves the API too): this is O(agents).
        return agents.schedules().collectList().publishOn(Schedulers.parallel()).map(all -> {
            Map<String, AgentRepository.Schedule> byId = new HashMap<>(all.size() * 2);
            for (AgentRepository.Schedule agent : all) {
                byId.put(agent.id(), agent);
                if (agent.failures() > 0) {
                    failing.add(agent.id());
                }
                // A tunnel agent that never connected has nothing to check: its first session makes it active.
                if (!(agent.tunnel() && agent.status() == AgentStatus.PENDING)) {
                    nextCheck.putIfAbsent(agent.id(), id -> firstCheck(agent, now));
                }
            }
            nextCheck.retainAll(byId.keySet()); // deleted agents
            failing.retainAll(byId.keySet());
            roster = byId;
            rosterReadAt = now;
            return byId;
        });
    }

    /**
     * When an agent not yet checked by this hub is first due: at once for a direct agent that never
     * passed a check (just registered: its first check makes it active), else at its own point of
     * the interval, from its id, so that a fleet's checks are spread over the interval, after a hub
     * restart too (a tunnel agent's session already made it active).
     */
    private Instant firstCheck(AgentRepository.Schedule agent, Instant now) {
        if (agent.lastHealthAt() == null && !agent.tunnel()) {
            return now;
        }
        // Just started: tunnel agents are reconnecting; checking one before it could have is a failure for nothing.
        Instant from = agent.tunnel() && now.isBefore(reconnectGraceEnd) ? reconnectGraceEnd : now;
        long spread = Math.max(1, settings.interval().toMillis() - 1);
        long slot = 1 + Math.floorMod(agent.id().hashCode() * 0x9E3779B97F4A7C15L, spread);
        return from.plusMillis(slot);
    }

    /**
     * An agent connected through the tunnel. One that failed its last check is checked at the next
     * tick instead of when its (possibly backed-off) schedule says, so that it is active again
     * within one tick of its return. Any other keeps its schedule (after a hub restart, thousands
     * reconnect at once, and checking each at once would be a burst of checks and writes), and one
     * without a schedule yet is first checked an interval after its session opened: the handshake
     * that just succeeded showed it reachable, as a check would have (a fleet connecting from cold
     * would otherwise pay a check, a hub token and a write per agent on top of its handshakes).
     */
    @EventListener
    public void agentConnected(AgentConnected event) {
        if (failing.contains(event.agentId())) {
            nextCheck.put(event.agentId(), Instant.MIN);
        } else {
            nextCheck.putIfAbsent(event.agentId(), id -> nextAfterPass(clock.instant()));
        }
    }

    /** Checks one agent and records the result; completes with the agent as recorded. */
    public Mono<Agent> check(Agent agent) {
        return check(agent, clock.instant());
    }

    /** {@link #check(Agent)} started on the tick of {@code startedAt}, from which its next check is due. */
    private Mono<Agent> check(Agent agent, Instant startedAt) {
        return runtimes.runtime(agent.id(), agent.endpoint()).health()
                .timeout(settings.timeout(), Mono.fromSupplier(() -> new Health(HealthStatus.DOWN, "unknown", "unknown",
                        null, "no answer to GET /health within " + settings.timeout())))
                .doOnNext(health -> observer.checked(health.status() == HealthStatus.UP))
                .flatMap(health -> health.status() == HealthStatus.UP
                        ? healthy(agent, health, startedAt)
                        : unhealthy(agent, health.detail() == null ? "health is DOWN" : health.detail()));
    }

    private Duration tick() {
        return settings.interval().compareTo(MAX_TICK) < 0 ? settings.interval() : MAX_TICK;
    }

    /**
     * When an agent whose passed check started at {@code startedAt} (on a tick) is due again: a tick
     * and a call's allowance ({@value #CALL_ALLOWANCE_MILLIS} ms, at most a tenth of the interval)
     * before the interval is up, so that two answers are never more than the interval apart, even
     * when the next call is slower than this one (one tick of slack alone was not enough: with
     * 10,000 agents, a health round over the fleet took 30.01 s in a run with the JVMs profiled).
     */
    private Instant nextAfterPass(Instant startedAt) {
        Duration allowance = Duration.ofMillis(Math.min(CALL_ALLOWANCE_MILLIS, settings.interval().toMillis() / 10));
        return startedAt.plus(settings.interval()).minus(tick()).minus(allowance);
    }

    /** Writes the passed checks that changed nothing but the time, in one statement a batch. */
    private Mono<Void> recordPassed(Instant now) {
        List<String> ids = new ArrayList<>();
        for (String id = passed.poll(); id != null; id = passed.poll()) {
            ids.add(id);
        }
        if (ids.isEmpty()) {
            return Mono.empty();
        }
        return Flux.fromIterable(ids).buffer(PASSED_BATCH).concatMap(batch -> agents.touchHealthy(batch, now)).then();
    }

    private Mono<Agent> healthy(Agent before, Health health, Instant startedAt) {
        Instant now = clock.instant();
        boolean direct = direct(before);
        AgentFacts facts = new AgentFacts(health.os(), health.arch(), health.runtime(), health.backend());
        if (!direct && before.status() == AgentStatus.ACTIVE && before.consecutiveFailures() == 0
                && health.version() != null && health.version().equals(before.agentVersion())
                && before.facts().unchangedBy(facts)) {
            // Nothing changes but the time of the check: written with the next tick's batch, not a row at a time.
            nextCheck.put(before.id(), nextAfterPass(startedAt));
            failing.remove(before.id());
            passed.add(before.id());
            return Mono.just(before);
        }
        return agents.recordHealthy(before.id(), now, health.version(), facts, direct).doOnNext(after -> {
            nextCheck.put(after.id(), nextAfterPass(startedAt));
            failing.remove(after.id());
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
            failing.add(after.id());
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
