package io.codehub.hub.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A test client of {@code GET /api/v1/events/stream}: reads the server-sent events on a thread of
 * its own into a queue, as a browser's {@code EventSource} would parse them (comments counted,
 * {@code id}, {@code event} and {@code data} fields per frame).
 */
public final class EventStreamClient implements AutoCloseable {

    /**
     * One frame of the stream.
     *
     * @param id    its {@code id} field
     * @param event its {@code event} field
     * @param data  its {@code data} field, parsed
     */
    public record Frame(long id, String event, JsonNode data) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile int comments;
    private volatile @Nullable Throwable failure;
    private volatile boolean ended;

    private EventStreamClient(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new Thread(this::read, "event-stream-client");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Opens {@code url} (path and query included) with the admin {@code token}, and
     * {@code Last-Event-ID} when given. Fails unless the answer is 200.
     */
    public static EventStreamClient open(String url, String token, @Nullable String lastEventId) throws Exception {
        HttpResponse<InputStream> response = request(url, token, lastEventId);
        if (response.statusCode() != 200) {
            String body = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
            throw new IllegalStateException("stream answered " + response.statusCode() + ": " + body);
        }
        return new EventStreamClient(response);
    }

    /** The raw answer to a stream request, for refusals (the caller closes its body). */
    public static HttpResponse<InputStream> request(String url, String token, @Nullable String lastEventId)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + token);
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** The answer's headers. */
    public HttpResponse<InputStream> response() {
        return response;
    }

    /** The next frame, waiting at most {@code timeout}; fails when none comes. */
    public Frame next(Duration timeout) throws InterruptedException {
        Frame frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new AssertionError("no event within " + timeout + (ended ? " (the stream ended: " + failure + ")" : ""));
        }
        return frame;
    }

    /** The next {@code count} frames. */
    public List<Frame> next(int count, Duration timeout) throws InterruptedException {
        List<Frame> result = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            result.add(next(timeout));
        }
        return result;
    }

    /** The next frame if one comes within {@code timeout}, else null. */
    public @Nullable Frame poll(Duration timeout) throws InterruptedException {
        return frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Comment lines (heartbeats) read so far. */
    public int comments() {
        return comments;
    }

    /** Whether the server ended the stream. */
    public boolean ended() {
        return ended;
    }

    @Override
    public void close() throws IOException {
        reader.interrupt();
        response.body().close();
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String event = null;
            StringBuilder data = new StringBuilder();
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        frames.add(new Frame(Long.parseLong(id), event, JSON.readTree(data.toString())));
                    }
                    id = null;
                    event = null;
                    data.setLength(0);
                } else if (line.startsWith(":")) {
                    comments++;
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    value = value.startsWith(" ") ? value.substring(1) : value;
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> event = value;
                        case "data" -> data.append(data.length() > 0 ? "\n" : "").append(value);
                        default -> { }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
        } finally {
            ended = true;
        }
    }
}
