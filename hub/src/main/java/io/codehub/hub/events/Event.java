package io.codehub.hub.events;

import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;
import org.jspecify.annotations.Nullable;

/**
 * One recorded event, as the database holds it and the API and the stream show it. Its
 * {@code agentId}, {@code workspaceId} and {@code reason} are always in its JSON ({@code null} when
 * absent), unlike the hub's other answers; {@code detail} is left out when empty.
 *
 * @param id          its place in the history: increasing, the cursor of paging ({@code before}) and of the
 *                    stream ({@code Last-Event-ID})
 * @param at          when it happened (microsecond precision, as the database keeps it)
 * @param type        what happened
 * @param agentId     the agent it concerns, if any
 * @param workspaceId the workspace it concerns, if any
 * @param reason      why, when the type has a reason (a disconnect reason, a failure's message)
 * @param detail      a few more facts (string values), e.g. {@code from} and {@code to} of a state change;
 *                    absent when there are none
 */
public record Event(
        @Schema(description = "Increasing; the paging and stream cursor.") long id,
        Instant at,
        EventType type,
        @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String agentId,
        @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String workspaceId,
        @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String reason,
        @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Map<String, String> detail) {

    public Event {
        detail = detail == null || detail.isEmpty() ? null : Map.copyOf(detail);
    }
}
