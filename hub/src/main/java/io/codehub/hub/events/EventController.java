package io.codehub.hub.events;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.codehub.hub.apidoc.HubApiDocument;
import io.codehub.hub.config.EventsProperties;
import io.codehub.hub.problem.HubProblemException;
import io.codehub.hub.problem.HubProblemType;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The events API: the history, paged newest first ({@code GET /api/v1/events}), and the live
 * stream ({@code GET /api/v1/events/stream}, {@code text/event-stream}), which resumes after the
 * id in {@code Last-Event-ID} without a gap or a duplicate.
 */
@RestController
@RequestMapping("/api/v1/events")
@Tag(name = HubApiDocument.EVENTS)
public class EventController {

    /** Default page size. */
    static final int DEFAULT_LIMIT = 100;
    /** Largest page size. */
    static final int MAX_LIMIT = 1000;
    /** Most {@code type} parameters. */
    static final int MAX_TYPES = 32;
    /** The request header a reconnecting {@code EventSource} sends. */
    static final String LAST_EVENT_ID = "Last-Event-ID";

    private final EventLog events;
    private final JsonMapper json;
    private final int maxStreams;
    private final Duration heartbeat;
    private final AtomicInteger openStreams = new AtomicInteger();

    public EventController(EventLog events, JsonMapper json, EventsProperties properties) {
        this.events = events;
        this.json = json;
        this.maxStreams = properties.maxStreams();
        this.heartbeat = properties.heartbeat();
    }

    /** A page of the history. */
    @GetMapping
    @Operation(operationId = "listEvents", summary = "List events, newest first",
            description = "Paged by id: pass the answer's `next` as `before` for the next (older) page; `next` is "
                    + "null on the last page.")
    @ApiResponse(responseCode = "200", description = "A page of events.")
    @ApiResponse(responseCode = "400", ref = HubApiDocument.BAD_REQUEST)
    public Mono<EventPage> list(
            @Parameter(description = "Only events of this agent.") @RequestParam(required = false) @Nullable String agentId,
            @Parameter(description = "Only events of this workspace.") @RequestParam(required = false)
            @Nullable String workspaceId,
            @Parameter(description = "Only events of this type; repeat it for several.") @RequestParam(name = "type",
                    required = false) @Nullable List<String> types,
            @Parameter(description = "Only events at or after this instant (ISO-8601, e.g. 2026-01-01T00:00:00Z).")
            @RequestParam(required = false) @Nullable String since,
            @Parameter(description = "Only events with an id below this one (the previous page's `next`).")
            @RequestParam(required = false) @Nullable String before,
            @Parameter(description = "Page size, 1 to 1000 (default 100).") @RequestParam(required = false)
            @Nullable String limit) {
        EventFilter filter = filter(agentId, workspaceId, types);
        Instant from = since == null ? null : instant(since);
        Long below = before == null ? null : id("before", before);
        int size = limit == null ? DEFAULT_LIMIT : limit(limit);
        return events.newest(filter, from, below, size + 1).map(found -> {
            if (found.size() <= size) {
                return new EventPage(found, null);
            }
            List<Event> page = found.subList(0, size);
            return new EventPage(List.copyOf(page), Long.toString(page.get(size - 1).id()));
        });
    }

    /** The live stream, resumed after {@code Last-Event-ID} when given. */
    @GetMapping(path = "/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Operation(operationId = "streamEvents", summary = "Stream events as they happen",
            description = "Server-sent events: each event as `id: <id>`, `event: <type>`, `data: <event JSON>`; a "
                    + "comment every 15 s keeps the connection alive. With `Last-Event-ID` (header, or the "
                    + "`lastEventId` parameter) the stream first replays the stored events after that id, then goes "
                    + "on live, with no gap and no duplicate. A client that reads too slowly is disconnected and "
                    + "resumes the same way.",
            parameters = @Parameter(in = ParameterIn.HEADER, name = LAST_EVENT_ID,
                    description = "Resume after this event id.", schema = @Schema(type = "string")))
    @ApiResponse(responseCode = "200", description = "The stream.",
            content = @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE,
                    schema = @Schema(implementation = Event.class)))
    @ApiResponse(responseCode = "400", ref = HubApiDocument.BAD_REQUEST)
    @ApiResponse(responseCode = "503", ref = HubApiDocument.TOO_MANY_EVENT_STREAMS)
    public Mono<Void> stream(
            @Parameter(hidden = true) ServerHttpResponse response,
            @Parameter(hidden = true) @RequestHeader(name = LAST_EVENT_ID, required = false) @Nullable String header,
            @Parameter(description = "Resume after this event id (for clients that cannot set the header).")
            @RequestParam(required = false) @Nullable String lastEventId,
            @Parameter(description = "Only events of this agent.") @RequestParam(required = false) @Nullable String agentId,
            @Parameter(description = "Only events of this workspace.") @RequestParam(required = false)
            @Nullable String workspaceId,
            @Parameter(description = "Only events of this type; repeat it for several.") @RequestParam(name = "type",
                    required = false) @Nullable List<String> types) {
        EventFilter filter = filter(agentId, workspaceId, types);
        String resume = header != null && !header.isBlank() ? header : lastEventId;
        Long after = resume == null || resume.isBlank() ? null : id(LAST_EVENT_ID, resume.trim());
        if (openStreams.incrementAndGet() > maxStreams) {
            openStreams.decrementAndGet();
            throw new HubProblemException(HubProblemType.TOO_MANY_EVENT_STREAMS, maxStreams
                    + " event streams are open (CODEHUB_HUB_EVENTS_MAX_STREAMS); retry later");
        }
        response.getHeaders().setContentType(MediaType.TEXT_EVENT_STREAM);
        response.getHeaders().setCacheControl(CacheControl.noStore());
        response.getHeaders().set("X-Accel-Buffering", "no"); // proxies must not hold the stream back
        Flux<String> frames = Flux.merge(
                Flux.just(": connected\n\n"),
                events.stream(after, filter).map(this::frame),
                Flux.interval(heartbeat, heartbeat).map(tick -> ": heartbeat\n\n"));
        return response.writeAndFlushWith(frames.map(frame -> Mono.just(buffer(response, frame))))
                .doFinally(signal -> openStreams.decrementAndGet());
    }

    /** Streams open now. */
    int openStreams() {
        return openStreams.get();
    }

    private String frame(Event event) {
        return "id: " + event.id() + "\nevent: " + event.type().wire() + "\ndata: " + json.writeValueAsString(event)
                + "\n\n";
    }

    private static DataBuffer buffer(ServerHttpResponse response, String frame) {
        return response.bufferFactory().wrap(frame.getBytes(StandardCharsets.UTF_8));
    }

    private static EventFilter filter(@Nullable String agentId, @Nullable String workspaceId,
            @Nullable List<String> types) {
        if (agentId != null && (agentId.isBlank() || agentId.length() > 128)) {
            throw HubProblemException.invalid("agentId", "1 to 128 characters expected");
        }
        if (workspaceId != null && (workspaceId.isBlank() || workspaceId.length() > 63)) {
            throw HubProblemException.invalid("workspaceId", "1 to 63 characters expected");
        }
        Set<EventType> wanted = EnumSet.noneOf(EventType.class);
        if (types != null) {
            if (types.size() > MAX_TYPES) {
                throw HubProblemException.invalid("type", types.size() + " values (expected: at most " + MAX_TYPES + ")");
            }
            for (String type : types) {
                for (String one : type.split(",", -1)) {
                    wanted.add(EventType.fromWire("type", one.trim()));
                }
            }
        }
        return new EventFilter(agentId, workspaceId, wanted);
    }

    private static Instant instant(String value) {
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw HubProblemException.invalid("since", "'" + shorten(value)
                    + "' is not an ISO-8601 instant (expected e.g. 2026-01-01T00:00:00Z)");
        }
    }

    private static long id(String field, String value) {
        try {
            long id = Long.parseLong(value.trim());
            if (id < 0) {
                throw new NumberFormatException();
            }
            return id;
        } catch (NumberFormatException e) {
            throw HubProblemException.invalid(field, "'" + shorten(value) + "' is not an event id (expected: a "
                    + "non-negative integer)");
        }
    }

    private static int limit(String value) {
        try {
            int limit = Integer.parseInt(value.trim());
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw HubProblemException.invalid("limit", "'" + shorten(value) + "' (expected: 1 to " + MAX_LIMIT + ")");
    }

    private static String shorten(String value) {
        return value.length() > 40 ? value.substring(0, 40) + "..." : value;
    }

    /**
     * The body of {@code GET /api/v1/events}.
     *
     * @param items the events, newest first
     * @param next  the {@code before} of the next (older) page; null on the last page
     */
    public record EventPage(List<Event> items,
            @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String next) {
    }
}
