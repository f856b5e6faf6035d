package io.codehub.hub.workspaces;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

import io.codehub.base.Backoff;
import io.codehub.hub.agents.AgentOwnership;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.config.HubProperties;
import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.events.EventType;
import io.codehub.hub.events.NewEvent;
import io.codehub.hub.remote.AgentRuntimes;
import io.codehub.runtime.RuntimeProblemException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Drives each workspace's agent until the observed state matches the desired one.
 *
 * <h2>Lifecycle</h2>
 * A sweep every {@code interval} picks every workspace that has work due (so a restarted hub
 * carries on every step in flight: the state, the job id and the attempt count are in the
 * database); the API nudges a workspace it just changed so that work starts at once. One workspace
 * is worked on by one flow at a time; it takes step after step ({@link WorkspaceSteps}) until it is
 * settled or waits on its agent, and is then looked at again after {@code pollInterval}.
 *
 * <h2>Failures</h2>
 * A failed step is retried after a {@link Backoff} delay: {@code retryBackoff} doubling per failed
 * attempt up to {@code retryMaxBackoff}, each delay drawn within ±50 % and kept within those
 * bounds, from the {@link RandomGenerator} given at construction; after {@code maxAttempts} the
 * workspace goes {@code ERROR} with the reason, until a new request. Each change is one
 * version-checked update: a concurrent API request wins, and the step is taken again from the
 * fresh row.
 *
 * <h2>Isolation</h2>
 * At most {@code perAgentConcurrency} workspaces of one agent are worked on at once, and every
 * agent call has a timeout, so an agent that hangs holds up only its own workspaces.
 */
public final class WorkspaceReconciler implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceReconciler.class);
    private static final int MAX_STEPS_PER_RUN = 32;

    private final WorkspaceRepository workspaces;
    private final AgentRepository agents;
    private final AgentRuntimes runtimes;
    private final TransactionalOperator tx;
    private final HubProperties.Reconciler settings;
    private final Clock clock;
    private final Backoff backoff;
    private final RandomGenerator random;
    private final EventPublisher events;
    private final WorkspaceSteps steps = new WorkspaceSteps();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<String> again = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> perAgent = new ConcurrentHashMap<>();
    private volatile ReconcileObserver observer = ReconcileObserver.NONE;
    private volatile AgentOwnership ownership = AgentOwnership.ALL;
    private volatile StepClaims claims = StepClaims.NONE;
    private volatile Disposable.Composite runs = Disposables.composite();
    private volatile Disposable sweeping = Disposables.composite();
    private volatile boolean running;

    /**
     * @param random jitter of the retry delays; thread-safe (e.g. {@link java.util.Random}): failures
     *               are handled on many threads
     */
    public WorkspaceReconciler(WorkspaceRepository workspaces, AgentRepository agents, AgentRuntimes runtimes,
            TransactionalOperator tx, HubProperties.Reconciler settings, Clock clock, RandomGenerator random,
            EventPublisher events) {
        this.workspaces = workspaces;
        this.agents = agents;
        this.runtimes = runtimes;
        this.tx = tx;
        this.settings = settings;
        this.clock = clock;
        this.backoff = Backoff.exponential(settings.retryBackoff(), settings.retryMaxBackoff())
                .withProportionalJitter(0.5);
        this.random = random;
        this.events = events;
    }

    @Override
    public void start() {
        runs = Disposables.composite();
        running = true;
        sweeping = Flux.interval(Duration.ZERO, settings.interval(), Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(tick -> sweep().onErrorResume(e -> {
                    log.warn("reconciler sweep failed: {}", e.toString());
                    return Mono.empty();
                }), 0)
                .subscribe();
    }

    @Override
    public void stop() {
        running = false;
        sweeping.dispose();
        runs.dispose(); // steps in flight are abandoned; each is safe to take again after a restart
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Starts work on every workspace that has work due; completes with how many were started. */
    public Mono<Integer> sweep() {
        return workspaces.findDue(clock.instant(), settings.batchSize())
                .filter(workspace -> launch(workspace.id(), workspace.agentId()))
                .count()
                .map(Long::intValue);
    }

    /** Times every step with {@code value} (metrics); none by default. */
    public void observe(ReconcileObserver value) {
        observer = value;
    }

    /**
     * Among many hubs: works only on the workspaces of agents this hub {@code owns}, and takes every
     * run under a {@code claims} claim, so no step ever runs on two hubs at once. Set before start.
     */
    public void shareWork(AgentOwnership owns, StepClaims stepClaims) {
        ownership = owns;
        claims = stepClaims;
    }

    /** Starts work on {@code workspace} now (after an API request changed it). */
    public void nudge(Workspace workspace) {
        if (running) {
            launch(workspace.id(), workspace.agentId());
        }
    }

    private boolean launch(String id, String agentId) {
        if (!ownership.owns(agentId)) {
            return false; // another hub's; its own sweep takes it
        }
        if (!inFlight.add(id)) {
            again.add(id); // picked up when the current run ends
            return false;
        }
        AtomicInteger agentLoad = perAgent.computeIfAbsent(agentId, a -> new AtomicInteger());
        if (agentLoad.incrementAndGet() > settings.perAgentConcurrency()) {
            agentLoad.decrementAndGet();
            inFlight.remove(id);
            return false; // the next sweep comes back to it
        }
        Disposable[] subscription = new Disposable[1];
        subscription[0] = claimed(id)
                .doFinally(signal -> {
                    if (subscription[0] != null) {
                        runs.remove(subscription[0]);
                    }
                    agentLoad.decrementAndGet();
                    inFlight.remove(id);
                    if (again.remove(id) && running) {
                        launch(id, agentId);
                    }
                })
                .subscribe(next -> schedule(id, agentId, next),
                        e -> log.warn("workspace {}: reconciliation failed: {}", id, e.toString()));
        runs.add(subscription[0]);
        if (subscription[0].isDisposed()) {
            runs.remove(subscription[0]); // it ended before it was added
        }
        return true;
    }

    /** A run of {@link #run} under this hub's claim on the workspace; empty when another hub holds it. */
    private Mono<Duration> claimed(String id) {
        StepClaims current = claims;
        return Mono.usingWhen(current.claim(id),
                won -> won ? run(id, 0) : Mono.<Duration>empty(),
                won -> won ? current.release(id) : Mono.empty());
    }

    private void schedule(String id, String agentId, Duration delay) {
        Mono.delay(delay).subscribe(tick -> {
            if (running) {
                launch(id, agentId);
            }
        });
    }

    /** Takes steps on the workspace; emits when to come back, or completes empty when settled or gone. */
    private Mono<Duration> run(String id, int stepsTaken) {
        if (stepsTaken >= MAX_STEPS_PER_RUN) {
            return Mono.just(Duration.ZERO);
        }
        return workspaces.findById(id).flatMap(workspace -> {
            if (workspace.observed() == ObservedState.ERROR || workspace.settled()) {
                return Mono.empty();
            }
            if (workspace.nextAttemptAt() != null && clock.instant().isBefore(workspace.nextAttemptAt())) {
                return Mono.just(Duration.between(clock.instant(), workspace.nextAttemptAt()));
            }
            long started = System.nanoTime();
            return agents.findById(workspace.agentId())
                    .flatMap(agent -> steps.next(workspace, runtimes.runtime(agent.id(), agent.endpoint())))
                    .onErrorResume(e -> !(e instanceof OptimisticLockingFailureException),
                            e -> Mono.just(new StepOutcome.Failed(workspace, describe(e))))
                    .doOnNext(outcome -> observer.stepTaken(workspace.observed(), outcome instanceof StepOutcome.Failed,
                            System.nanoTime() - started))
                    .flatMap(outcome -> apply(workspace, outcome))
                    .onErrorResume(OptimisticLockingFailureException.class, e -> Mono.just(Next.AT_ONCE))
                    .flatMap(next -> next == Next.AT_ONCE ? run(id, stepsTaken + 1)
                            : next == Next.DONE ? Mono.empty() : Mono.just(next.delay));
        });
    }

    private Mono<Next> apply(Workspace before, StepOutcome outcome) {
        Instant now = clock.instant();
        if (outcome instanceof StepOutcome.Advanced advanced) {
            Workspace after = advanced.workspace();
            if (after.observed() != before.observed()) {
                log.info("workspace {}: {} -> {} (desired {})", before.id(), before.observed(), after.observed(),
                        before.desired());
            } else if (after.jobId() != null && !after.jobId().equals(before.jobId())) {
                log.info("workspace {}: {} as job {}", before.id(), before.observed(), after.jobId());
            }
            return workspaces.update(advanced.workspace(), now)
                    .doOnNext(saved -> stateChanged(before, saved, null))
                    .thenReturn(Next.AT_ONCE);
        }
        if (outcome instanceof StepOutcome.Waiting waiting) {
            return workspaces.update(waiting.workspace().withNextAttemptAt(now.plus(settings.pollInterval())), now)
                    .thenReturn(Next.after(settings.pollInterval()));
        }
        if (outcome instanceof StepOutcome.Removed removed) {
            Workspace gone = removed.workspace();
            Mono<Boolean> remove = workspaces.delete(gone.id(), gone.version()).flatMap(deleted -> deleted
                    ? agents.releaseSlot(gone.agentId(), now)
                    : Mono.error(new OptimisticLockingFailureException("workspace " + gone.id()
                            + " changed while it was being deleted")));
            return tx.transactional(remove)
                    .doOnSuccess(v -> {
                        log.info("workspace {}: deleted from agent {}", gone.id(), gone.agentId());
                        events.publish(NewEvent.workspace(EventType.WORKSPACE_DELETED, gone.id(), gone.agentId()));
                    })
                    .thenReturn(Next.DONE);
        }
        if (outcome instanceof StepOutcome.Failed failed) {
            return fail(failed, now);
        }
        return Mono.just(Next.DONE);
    }

    private Mono<Next> fail(StepOutcome.Failed failed, Instant now) {
        Workspace workspace = failed.workspace();
        int attempts = workspace.attempts() + 1;
        events.publish(NewEvent.workspace(EventType.WORKSPACE_STEP_FAILED, workspace.id(), workspace.agentId())
                .withReason(failed.reason()).with("state", workspace.observed()).with("attempt", attempts)
                .with("maxAttempts", settings.maxAttempts()));
        if (attempts >= settings.maxAttempts()) {
            String reason = workspace.observed() + " failed " + attempts + " times: " + failed.reason();
            log.warn("workspace {}: {}; giving up until a new request", workspace.id(), reason);
            return workspaces.update(workspace.withFailure(ObservedState.ERROR, reason, attempts, null), now)
                    .doOnNext(saved -> stateChanged(workspace, saved, reason))
                    .thenReturn(Next.DONE);
        }
        Duration delay = retryDelay(attempts);
        log.info("workspace {}: {} attempt {} failed ({}); retrying in {}", workspace.id(), workspace.observed(), attempts,
                failed.reason(), delay);
        return workspaces.update(workspace.withFailure(workspace.observed(), failed.reason(), attempts, now.plus(delay)),
                now).thenReturn(Next.after(delay));
    }

    /** {@code workspace.state-changed} when the observed state moved. */
    private void stateChanged(Workspace before, Workspace after, @Nullable String reason) {
        if (before.observed() != after.observed()) {
            events.publish(NewEvent.workspace(EventType.WORKSPACE_STATE_CHANGED, after.id(), after.agentId())
                    .withReason(reason).with("from", before.observed()).with("to", after.observed())
                    .with("desired", after.desired()));
        }
    }

    /** The wait after failed attempt {@code attempts} (1 for the first) of a step. */
    Duration retryDelay(int attempts) {
        return backoff.delay(attempts - 1, random);
    }

    private static String describe(Throwable failure) {
        if (failure instanceof RuntimeProblemException problem) {
            return problem.type().slug() + ": " + problem.detail();
        }
        return failure.toString();
    }

    /** When to run again: at once, after a delay, or not until something changes. */
    private record Next(Duration delay) {
        static final Next AT_ONCE = new Next(Duration.ZERO);
        static final Next DONE = new Next(Duration.ofDays(-1));

        static Next after(Duration delay) {
            return new Next(delay);
        }
    }
}
