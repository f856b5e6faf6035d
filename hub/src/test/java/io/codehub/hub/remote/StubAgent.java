package io.codehub.hub.remote;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A scripted HTTP server on a loopback port standing in for an agent, so that RemoteRuntime's
 * transport behaviour (headers, problems, retries, timeouts) can be tested without one.
 */
final class StubAgent implements AutoCloseable {

    /** A request as the stub saw it. */
    record Seen(String method, String uri, String authorization, String body) {
    }

    /** A scripted answer; {@code delay} holds it back. */
    record Answer(int status, String contentType, String body, Duration delay, boolean cutMidBody) {
        Answer(int status, String contentType, String body, Duration delay) {
            this(status, contentType, body, delay, false);
        }

        /** 200 with a Content-Length the body never reaches: the connection closes after half of it. */
        static Answer cutMidBody(String body) {
            return new Answer(200, "application/json", body, Duration.ZERO, true);
        }

        static Answer json(int status, String body) {
            return new Answer(status, "application/json", body, Duration.ZERO);
        }

        static Answer problem(int status, String slug, String detail) {
            return new Answer(status, "application/problem+json", "{\"type\":\"urn:codehub:problem:" + slug
                    + "\",\"title\":\"t\",\"status\":" + status + ",\"detail\":\"" + detail + "\"}", Duration.ZERO);
        }
    }

    private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    private final AtomicReference<Function<Seen, Answer>> script = new AtomicReference<>(s -> Answer.json(200, "{}"));
    private final AtomicReference<Supplier<Map<String, String>>> headers = new AtomicReference<>(Map::of);
    private final DisposableServer server;

    StubAgent() {
        server = HttpServer.create().host("127.0.0.1").port(0)
                .handle((request, response) -> request.receive().aggregate().asString(StandardCharsets.UTF_8)
                        .defaultIfEmpty("")
                        .flatMap(body -> {
                            Seen request1 = new Seen(request.method().name(), request.uri(),
                                    request.requestHeaders().get("Authorization"), body);
                            seen.add(request1);
                            Answer answer = script.get().apply(request1);
                            if (answer.cutMidBody()) {
                                Channel[] channel = new Channel[1];
                                response.withConnection(c -> channel[0] = c.channel());
                                String half = answer.body().substring(0, answer.body().length() / 2);
                                return response.status(200).header("Content-Type", answer.contentType())
                                        .header("Content-Length", Integer.toString(answer.body().length()))
                                        .sendString(Mono.just(half)).then()
                                        .doOnTerminate(() -> channel[0].flush().close());
                            }
                            return Mono.delay(answer.delay()).then(response.status(HttpResponseStatus.valueOf(answer.status()))
                                    .headers(extraHeaders())
                                    .header("Content-Type", answer.contentType())
                                    .sendString(Mono.just(answer.body())).then());
                        }))
                .bindNow();
    }

    /** Answers every request with {@code answer}. */
    void answer(Function<Seen, Answer> answer) {
        script.set(answer);
    }

    /** Adds the headers {@code values} gives (asked anew for each answer) to every answer: the agent's clock, say. */
    void headers(Supplier<Map<String, String>> values) {
        headers.set(values);
    }

    private HttpHeaders extraHeaders() {
        HttpHeaders extra = new DefaultHttpHeaders();
        headers.get().get().forEach(extra::set);
        return extra;
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.port();
    }

    List<Seen> seen() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
    }
}
