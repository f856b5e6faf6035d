package io.codehub.hub.gateway;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.workspaces.DesiredState;
import io.codehub.hub.workspaces.WorkspaceRepository;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Looks up the {@link Route} of a workspace in the registry, answering from a short-lived cache so
 * that a page's hundred requests cost one database round trip, while a stopped, deleted or moved
 * workspace is seen within {@code maxAge}. Missing workspaces are cached too (as null), so a flood
 * of requests for one unknown host costs the database nothing more. Thread-safe; bounded: past
 * {@code maxEntries} the cache is cleared and refilled.
 */
final class GatewayRoutes {

    private record Entry(@Nullable Route route, long loadedAtNanos) {
    }

    private final WorkspaceRepository workspaces;
    private final AgentRepository agents;
    private final long maxAgeNanos;
    private final int maxEntries;
    private final LongSupplier nanoTime;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<@Nullable Route>> loading = new ConcurrentHashMap<>();

    GatewayRoutes(WorkspaceRepository workspaces, AgentRepository agents, Duration maxAge, int maxEntries,
            LongSupplier nanoTime) {
        this.workspaces = workspaces;
        this.agents = agents;
        this.maxAgeNanos = maxAge.toNanos();
        this.maxEntries = maxEntries;
        this.nanoTime = nanoTime;
    }

    /**
     * The workspace's route, or null when there is no such workspace (or it is being deleted).
     * Completes on whatever thread the database answers on; concurrent misses share one load.
     */
    CompletableFuture<@Nullable Route> route(String workspaceId) {
        Entry entry = cache.get(workspaceId);
        if (entry != null && nanoTime.getAsLong() - entry.loadedAtNanos() < maxAgeNanos) {
            return CompletableFuture.completedFuture(entry.route());
        }
        CompletableFuture<@Nullable Route> mine = new CompletableFuture<>();
        CompletableFuture<@Nullable Route> running = loading.putIfAbsent(workspaceId, mine);
        if (running != null) {
            return running;
        }
        load(workspaceId).toFuture().whenComplete((route, error) -> {
            if (error == null) {
                if (cache.size() >= maxEntries) {
                    cache.clear();
                }
                cache.put(workspaceId, new Entry(route, nanoTime.getAsLong()));
            }
            loading.remove(workspaceId, mine);
            if (error == null) {
                mine.complete(route);
            } else {
                mine.completeExceptionally(error);
            }
        });
        return mine;
    }

    /** Forgets what is known of the workspace, so that the next request reads the registry. */
    void forget(String workspaceId) {
        cache.remove(workspaceId);
    }

    private Mono<@Nullable Route> load(String id) {
        return workspaces.findById(id)
                .filter(workspace -> workspace.desired() != DesiredState.DELETED)
                .flatMap(workspace -> agents.findById(workspace.agentId()).map(agent -> new Route(workspace.id(),
                        workspace.createdAt().toEpochMilli(), workspace.desired(), workspace.observed(), agent.id(),
                        agent.endpoint(), agent.status(), workspace.spec().port(), workspace.spec().ports())));
    }
}
