package io.codehub.hub.workspaces;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.random.RandomGenerator;

import io.codehub.base.Backoff;
import io.codehub.hub.agents.Labels;
import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.events.EventType;
import io.codehub.hub.events.NewEvent;
import io.codehub.hub.problem.HubProblemException;
import io.codehub.hub.problem.HubProblemType;
import io.codehub.hub.schedule.BackoffRetry;
import io.codehub.runtime.ImagePullPolicy;
import io.codehub.runtime.InstanceSpec;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The workspaces API's service: it records what is asked (one transaction per change) and nudges
 * the {@link WorkspaceReconciler}, which does the work on the agent. Nothing here calls an agent,
 * so an unreachable agent never slows the API.
 */
public final class WorkspaceService {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceService.class);
    /** Retries of a request that lost a version check to a concurrent change. */
    private static final int CONFLICT_RETRIES = 5;
    /** 10 ms doubling, ±50 %: two writers that collided do not collide again. */
    private static final Backoff CONFLICT_BACKOFF = Backoff.exponential(Duration.ofMillis(10), Duration.ofSeconds(1))
            .withProportionalJitter(0.5);

    private final WorkspaceRepository workspaces;
    private final Placement placement;
    private final WorkspaceReconciler reconciler;
    private final TransactionalOperator tx;
    private final Clock clock;
    private final RandomGenerator random;
    private final EventPublisher events;

    /**
     * @param random jitter of the retries after a conflicting concurrent change; thread-safe (e.g.
     *               {@link java.util.Random})
     */
    public WorkspaceService(WorkspaceRepository workspaces, Placement placement, WorkspaceReconciler reconciler,
            TransactionalOperator tx, Clock clock, RandomGenerator random, EventPublisher events) {
        this.workspaces = workspaces;
        this.placement = placement;
        this.reconciler = reconciler;
        this.tx = tx;
        this.clock = clock;
        this.random = random;
        this.events = events;
    }

    /** Places and records a new workspace (desired {@code RUNNING}); the reconciler starts it. */
    public Mono<Workspace> create(CreateWorkspaceRequest request) {
        InstanceSpec spec = InstanceSpec.of(request.image(), request.command(), request.env(), request.port(),
                request.ports(), null, request.imagePullPolicy() == null ? null
                        : ImagePullPolicy.fromWire(request.imagePullPolicy()), null, null);
        PlacementRequest where = new PlacementRequest(blankToNull(request.agentId()), blankToNull(request.region()),
                blankToNull(request.type()), Labels.of(request.labels()));
        String id = UUID.randomUUID().toString();
        Mono<Workspace> create = placement.reserve(where).flatMap(agent -> {
            Instant now = clock.instant();
            return workspaces.insert(new Workspace(id, request.name().trim(), request.owner(), agent.id(), spec,
                    DesiredState.RUNNING, ObservedState.PENDING, null, null, null, 0, null, now, now, 0));
        });
        return tx.transactional(create)
                .doOnNext(created -> {
                    log.info("workspace {} ({}) placed on agent {}", created.id(), created.name(), created.agentId());
                    events.publish(NewEvent.workspace(EventType.WORKSPACE_CREATED, created.id(), created.agentId())
                            .with("name", created.name()).with("image", created.spec().image()));
                    reconciler.nudge(created);
                });
    }

    /** Workspaces on {@code agentId}, in {@code state}, when given. */
    public Flux<Workspace> list(@Nullable String agentId, @Nullable ObservedState state) {
        return workspaces.findAll(agentId, state);
    }

    /** The workspace, or {@code workspace-not-found}. */
    public Mono<Workspace> get(String id) {
        return workspaces.findById(id).switchIfEmpty(Mono.error(() -> HubProblemException.workspaceNotFound(id)));
    }

    /**
     * Records {@code action}'s desired state. A workspace in {@code ERROR} goes back to
     * {@code PENDING}, where the reconciler first looks at what exists on the agent: that is how a
     * failed step is retried.
     */
    public Mono<Workspace> request(String id, WorkspaceAction action) {
        return Mono.defer(() -> get(id).flatMap(current -> workspaces.update(apply(current, action), clock.instant())
                        .doOnNext(saved -> {
                            if (current.observed() != saved.observed()) {
                                events.publish(NewEvent.workspace(EventType.WORKSPACE_STATE_CHANGED, saved.id(),
                                        saved.agentId()).with("from", current.observed()).with("to", saved.observed())
                                        .with("desired", saved.desired()).with("action", action));
                            }
                        })))
                .retryWhen(BackoffRetry.of(CONFLICT_BACKOFF, CONFLICT_RETRIES, random)
                        .filter(OptimisticLockingFailureException.class::isInstance))
                .doOnNext(saved -> {
                    log.info("workspace {}: {} requested (desired {}, observed {})", id, action, saved.desired(),
                            saved.observed());
                    reconciler.nudge(saved);
                });
    }

    private static Workspace apply(Workspace current, WorkspaceAction action) {
        if (current.desired() == DesiredState.DELETED) {
            throw new HubProblemException(HubProblemType.INVALID_TRANSITION,
                    "workspace " + current.id() + " is being deleted");
        }
        if (action == WorkspaceAction.RESTORE && current.observed() != ObservedState.ARCHIVED
                && current.desired() != DesiredState.ARCHIVED
                && !(current.observed() == ObservedState.ERROR && current.archiveKey() != null)) {
            throw new HubProblemException(HubProblemType.INVALID_TRANSITION, "workspace " + current.id()
                    + " is not archived (it is " + current.observed() + "); restore applies to archived workspaces");
        }
        Workspace next = current.withDesired(action.desired());
        if (current.observed() == ObservedState.ERROR) {
            return next.moveTo(ObservedState.PENDING).withJob(null);
        }
        // A new request is worked on at once, with a fresh count of attempts.
        return next.retryNow();
    }

    private static @Nullable String blankToNull(@Nullable String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
