package io.codehub.hub.events;

import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Which events a reader wants: those of one agent, of one workspace and of some types, each only
 * when given. The same filter is a {@code WHERE} clause for the history and a predicate for live
 * events, so a resumed stream selects exactly what the history would.
 *
 * @param agentId     only events of this agent
 * @param workspaceId only events of this workspace
 * @param types       only events of these types; empty: every type
 */
public record EventFilter(@Nullable String agentId, @Nullable String workspaceId, Set<EventType> types) {

    /** Every event. */
    public static final EventFilter ALL = new EventFilter(null, null, Set.of());

    public EventFilter {
        types = Set.copyOf(types);
    }

    /** Whether {@code event} passes. */
    public boolean matches(Event event) {
        return (agentId == null || agentId.equals(event.agentId()))
                && (workspaceId == null || workspaceId.equals(event.workspaceId()))
                && (types.isEmpty() || types.contains(event.type()));
    }
}
