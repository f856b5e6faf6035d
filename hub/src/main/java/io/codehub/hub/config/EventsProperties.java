package io.codehub.hub.config;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The event history and its live stream, bound from {@code codehub.hub.events.*} (environment
 * variables {@code CODEHUB_HUB_EVENTS_*}); listed in {@code docs/operations.md}.
 *
 * @param retention         events older than this are deleted ({@code CODEHUB_HUB_EVENTS_RETENTION}, default 30d)
 * @param sweepInterval     how often the retention sweep runs ({@code CODEHUB_HUB_EVENTS_SWEEP_INTERVAL}, default 5m)
 * @param sweepMaxRows      most rows one sweep deletes, so a sweep never holds the database long
 *                          ({@code CODEHUB_HUB_EVENTS_SWEEP_MAX_ROWS}, default 10000)
 * @param maxStreams        concurrent {@code /api/v1/events/stream} connections; more are answered 503
 *                          ({@code CODEHUB_HUB_EVENTS_MAX_STREAMS}, default 64)
 * @param streamBuffer      events held for one stream subscriber that reads slower than events come; past
 *                          it the stream is closed and the client resumes with {@code Last-Event-ID}
 *                          ({@code CODEHUB_HUB_EVENTS_STREAM_BUFFER}, default 1024)
 * @param heartbeat         time between two heartbeat comments on a stream ({@code CODEHUB_HUB_EVENTS_HEARTBEAT},
 *                          default 15s)
 * @param queueCapacity     events waiting to be written; past it new events are dropped (and logged), so
 *                          recording an event never slows what caused it ({@code CODEHUB_HUB_EVENTS_QUEUE_CAPACITY},
 *                          default 16384)
 */
@ConfigurationProperties("codehub.hub.events")
public record EventsProperties(
        @DefaultValue("30d") Duration retention,
        @DefaultValue("5m") Duration sweepInterval,
        @DefaultValue("10000") int sweepMaxRows,
        @DefaultValue("64") int maxStreams,
        @DefaultValue("1024") int streamBuffer,
        @DefaultValue("15s") Duration heartbeat,
        @DefaultValue("16384") int queueCapacity) {

    public EventsProperties {
        ConfigurationChecks.positive("CODEHUB_HUB_EVENTS_RETENTION", retention);
        ConfigurationChecks.positive("CODEHUB_HUB_EVENTS_SWEEP_INTERVAL", sweepInterval);
        ConfigurationChecks.inRange("CODEHUB_HUB_EVENTS_SWEEP_MAX_ROWS", sweepMaxRows, 1, 1_000_000);
        ConfigurationChecks.inRange("CODEHUB_HUB_EVENTS_MAX_STREAMS", maxStreams, 1, 10_000);
        ConfigurationChecks.inRange("CODEHUB_HUB_EVENTS_STREAM_BUFFER", streamBuffer, 16, 1_000_000);
        ConfigurationChecks.positive("CODEHUB_HUB_EVENTS_HEARTBEAT", heartbeat);
        ConfigurationChecks.inRange("CODEHUB_HUB_EVENTS_QUEUE_CAPACITY", queueCapacity, 16, 10_000_000);
    }
}
