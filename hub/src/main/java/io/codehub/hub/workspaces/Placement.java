package io.codehub.hub.workspaces;

import java.time.Clock;
import java.util.List;
import java.util.stream.Collectors;

import io.codehub.hub.agents.Agent;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.agents.AgentStatus;
import io.codehub.hub.problem.HubProblemException;
import io.codehub.hub.problem.HubProblemType;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Chooses the agent for a new workspace and takes one slot of its capacity.
 *
 * <h2>Choice</h2>
 * Among {@code active} agents (an agent that fails its health checks is {@code error}) with free
 * capacity, in the requested region, of the requested backend type, carrying every requested label:
 * the least loaded (load / capacity), then the oldest.
 *
 * <h2>No over-booking</h2>
 * The slot is taken by {@link AgentRepository#reserveSlot}, one conditional {@code UPDATE ...
 * WHERE current_load < capacity}; when another placement took the last slot first, the next
 * candidate is tried. Run it in the transaction that inserts the workspace, so that a failed insert
 * gives the slot back.
 */
public final class Placement {

    /** Candidates read at a time, least loaded first. */
    static final int PAGE = 64;

    private final AgentRepository agents;
    private final Clock clock;

    public Placement(AgentRepository agents, Clock clock) {
        this.agents = agents;
        this.clock = clock;
    }

    /** The agent that now holds a slot for the workspace; {@code no-eligible-agent} (409) when none can. */
    public Mono<Agent> reserve(PlacementRequest request) {
        if (request.agentId() != null) {
            return reserveOn(request.agentId());
        }
        return reserveFrom(request, 0).switchIfEmpty(Mono.defer(() -> explainNoAgent(request)));
    }

    /**
     * The first candidate of the page at {@code offset} that takes the slot, else of the pages after
     * it. A page is read whole before any slot is taken: a fleet's agents are never all read for one
     * workspace, and no query is cancelled mid-stream.
     */
    private Mono<Agent> reserveFrom(PlacementRequest request, int offset) {
        return agents.findPlaceable(request.region(), offset, PAGE).collectList()
                .flatMap(page -> Flux.fromIterable(page)
                        .filter(request::admits)
                        .concatMap(agent -> agents.reserveSlot(agent.id(), clock.instant()).filter(Boolean::booleanValue)
                                .map(reserved -> agent))
                        .next()
                        .switchIfEmpty(Mono.defer(() -> page.size() < PAGE ? Mono.empty()
                                : reserveFrom(request, offset + PAGE))));
    }

    private Mono<Agent> reserveOn(String agentId) {
        return agents.findById(agentId)
                .switchIfEmpty(Mono.error(() -> HubProblemException.agentNotFound(agentId)))
                .flatMap(agent -> agents.reserveSlot(agentId, clock.instant()).flatMap(reserved -> reserved
                        ? Mono.just(agent)
                        : agents.findById(agentId).flatMap(now -> Mono.error(noAgent("agent " + agentId + " cannot take "
                                + "the workspace: " + (now.status() != AgentStatus.ACTIVE
                                        ? "it is " + now.status().wire()
                                        : "it is full (" + now.currentLoad() + " of " + now.capacity() + ")"))))));
    }

    private Mono<Agent> explainNoAgent(PlacementRequest request) {
        return agents.findAll(null, null).collectList().flatMap(all -> {
            long active = all.stream().filter(a -> a.status() == AgentStatus.ACTIVE).count();
            List<Agent> matching = all.stream().filter(request::admits).toList();
            String wanted = request.wanted();
            String why;
            if (all.isEmpty()) {
                why = "no agent is registered";
            } else if (matching.isEmpty()) {
                why = "none of the " + all.size() + " agents is" + wanted;
            } else {
                String states = matching.stream()
                        .collect(Collectors.groupingBy(a -> a.status() != AgentStatus.ACTIVE ? a.status().wire()
                                : "full", Collectors.counting()))
                        .entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).sorted()
                        .collect(Collectors.joining(", "));
                why = "every agent" + wanted + " is unavailable (" + states + "; " + active + " of " + all.size()
                        + " agents active)";
            }
            return Mono.<Agent>error(noAgent("no agent can take the workspace: " + why));
        });
    }

    private static HubProblemException noAgent(String detail) {
        return new HubProblemException(HubProblemType.NO_ELIGIBLE_AGENT, detail);
    }

}
