package io.codehub.hub.webhooks;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;

import io.codehub.base.Backoff;
import io.codehub.hub.HubApplication;
import io.codehub.hub.config.WebhookProperties;
import io.codehub.hub.events.Event;
import io.codehub.hub.schedule.BackoffRetry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.json.JsonMapper;

/**
 * One webhook URL: delivers an event as a signed POST of its JSON (the same JSON as
 * {@code GET /api/v1/events} shows), retrying what may pass later (no answer, a timeout, 408, 429,
 * 5xx) with jittered exponential backoff, and giving up at once on any other answer (a 4xx says the
 * receiver will never take it). A delivery never fails: it ends {@link Outcome delivered, failed or
 * skipped}, logged, and the next event's turn comes.
 *
 * <h2>Headers</h2>
 * {@code Codehub-Event} (the type), {@code Codehub-Delivery} (the event's id: the same on every
 * attempt, for de-duplication), {@link WebhookSignature#HEADER} (signed anew per attempt). The
 * answer's body is read and thrown away, never held; redirects are not followed.
 */
final class WebhookEndpoint {

    private static final Logger log = LoggerFactory.getLogger(WebhookEndpoint.class);
    /** Longest TCP connect (the attempt's timeout when that is shorter). */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** How one delivery ended. */
    enum Outcome {
        /** A 2xx answer. */
        DELIVERED,
        /** Every attempt failed, or the receiver refused it. */
        FAILED,
        /** Older than the maximum age when its turn came: not sent. */
        SKIPPED
    }

    private final URI url;
    private final String origin;
    private final HttpClient client;
    private final WebhookSignature signature;
    private final JsonMapper json;
    private final Clock clock;
    private final WebhookProperties settings;
    /** Between attempts: {@code settings.backoff()} doubling to {@code settings.maxBackoff()}, ±50 %. */
    private final Backoff retry;
    private final RandomGenerator random;

    WebhookEndpoint(URI url, ConnectionProvider connections, WebhookSignature signature, JsonMapper json, Clock clock,
            WebhookProperties settings, RandomGenerator random) {
        this.retry = Backoff.exponential(settings.backoff(), settings.maxBackoff()).withProportionalJitter(0.5);
        this.random = random;
        this.url = url;
        this.origin = WebhookProperties.origin(url);
        this.signature = signature;
        this.json = json;
        this.clock = clock;
        this.settings = settings;
        this.client = HttpClient.create(connections)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        Math.toIntExact(min(CONNECT_TIMEOUT, settings.timeout()).toMillis()))
                .responseTimeout(settings.timeout())
                .followRedirect(false)
                .compress(false);
    }

    /** Where it points, for logs: scheme, host and port, never the path or query (they may hold a secret). */
    String origin() {
        return origin;
    }

    /** Delivers {@code event}; completes with how that ended, never with an error. */
    Mono<Outcome> deliver(Event event) {
        if (event.at().isBefore(clock.instant().minus(settings.maxAge()))) {
            log.warn("webhook {}: event {} ({}) skipped: older than CODEHUB_HUB_WEBHOOKS_MAX_AGE {}", origin, event.id(),
                    event.type().wire(), settings.maxAge());
            return Mono.just(Outcome.SKIPPED);
        }
        byte[] body = json.writeValueAsBytes(event);
        return Mono.defer(() -> attempt(event, body))
                .retryWhen(BackoffRetry.of(retry, settings.maxAttempts() - 1L, random)
                        .filter(WebhookEndpoint::retryable)
                        .doBeforeRetry(signal -> log.debug("webhook {}: event {} attempt {} failed ({}); retrying", origin,
                                event.id(), signal.totalRetries() + 1, signal.failure().getMessage())))
                .thenReturn(Outcome.DELIVERED)
                .doOnNext(outcome -> log.debug("webhook {}: event {} delivered", origin, event.id()))
                .onErrorResume(e -> {
                    log.warn("webhook {}: event {} ({}) not delivered: {}", origin, event.id(), event.type().wire(),
                            e.getMessage());
                    return Mono.just(Outcome.FAILED);
                });
    }

    private Mono<Void> attempt(Event event, byte[] body) {
        String signed = signature.sign(clock.instant().getEpochSecond(), body);
        return client.headers(headers -> headers
                        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                        .set(HttpHeaderNames.USER_AGENT, "codehub-hub/" + HubApplication.version())
                        .set("Codehub-Event", event.type().wire())
                        .set("Codehub-Delivery", Long.toString(event.id()))
                        .set(WebhookSignature.HEADER, signed))
                .post()
                .uri(url)
                .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                .response((response, content) -> content.then(Mono.just(response.status().code())))
                .next()
                .timeout(settings.timeout())
                .onErrorMap(e -> new AttemptFailed(true, describe(e)))
                .flatMap(WebhookEndpoint::judge);
    }

    private static Mono<Void> judge(int status) {
        if (status >= 200 && status < 300) {
            return Mono.empty();
        }
        boolean later = status == 408 || status == 429 || status >= 500;
        return Mono.error(new AttemptFailed(later, "answered " + status));
    }

    private static boolean retryable(Throwable e) {
        return e instanceof AttemptFailed failed && failed.retryable;
    }

    private static String describe(Throwable e) {
        if (e instanceof TimeoutException) {
            return "no answer in time";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** One attempt's failure, and whether a later attempt may pass. */
    private static final class AttemptFailed extends RuntimeException {

        private final boolean retryable;

        AttemptFailed(boolean retryable, String message) {
            super(message, null, false, false);
            this.retryable = retryable;
        }
    }
}
