package io.codehub.hub.events;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * An event to record: what {@link EventLog#publish} and {@link EventLog#append} take. The log gives
 * it its id and time. Values are cut to the column sizes here (a reason to 1024 characters, at most
 * {@value #MAX_DETAIL_ENTRIES} detail entries of {@value #MAX_DETAIL_VALUE} characters), so that an
 * over-long message never costs the event.
 *
 * @param type        what happened
 * @param agentId     the agent it concerns, if any
 * @param workspaceId the workspace it concerns, if any
 * @param reason      why, if the type has a reason
 * @param detail      more facts, string values only
 */
public record NewEvent(EventType type, @Nullable String agentId, @Nullable String workspaceId, @Nullable String reason,
        Map<String, String> detail) {

    /** Most entries of {@link #detail}. */
    public static final int MAX_DETAIL_ENTRIES = 8;
    /** Longest value of {@link #detail}, in characters. */
    public static final int MAX_DETAIL_VALUE = 256;
    /** Longest {@link #reason}, in characters. */
    public static final int MAX_REASON = 1024;

    public NewEvent {
        Objects.requireNonNull(type, "type");
        reason = reason == null ? null : cut(reason, MAX_REASON);
        Map<String, String> kept = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : detail.entrySet()) {
            if (kept.size() == MAX_DETAIL_ENTRIES) {
                break;
            }
            if (entry.getKey() != null && entry.getValue() != null) {
                kept.put(cut(entry.getKey(), 64), cut(entry.getValue(), MAX_DETAIL_VALUE));
            }
        }
        detail = Collections.unmodifiableMap(kept);
    }

    /** An event about agent {@code agentId}. */
    public static NewEvent agent(EventType type, String agentId) {
        return new NewEvent(type, agentId, null, null, Map.of());
    }

    /** An event about workspace {@code workspaceId} on agent {@code agentId}. */
    public static NewEvent workspace(EventType type, String workspaceId, @Nullable String agentId) {
        return new NewEvent(type, agentId, workspaceId, null, Map.of());
    }

    /** This event with {@code value} as its reason. */
    public NewEvent withReason(@Nullable String value) {
        return new NewEvent(type, agentId, workspaceId, value, detail);
    }

    /** This event with one more detail entry (ignored when {@code value} is null). */
    public NewEvent with(String key, @Nullable Object value) {
        if (value == null) {
            return this;
        }
        Map<String, String> more = new LinkedHashMap<>(detail);
        more.put(key, value.toString());
        return new NewEvent(type, agentId, workspaceId, reason, more);
    }

    private static String cut(String value, int max) {
        return value.length() <= max ? value : value.substring(0, max - 3) + "...";
    }
}
