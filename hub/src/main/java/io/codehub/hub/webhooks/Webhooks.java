package io.codehub.hub.webhooks;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

import io.codehub.base.Backoff;
import io.codehub.hub.config.WebhookProperties;
import io.codehub.hub.events.EventFilter;
import io.codehub.hub.events.EventLog;
import io.codehub.hub.events.EventRepository;
import io.codehub.hub.events.EventType;
import io.codehub.hub.problem.HubProblemException;
import io.codehub.hub.schedule.BackoffRetry;
import io.codehub.web.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.json.JsonMapper;

/**
 * Follows the event history and delivers the chosen types to every webhook URL, from the hub's
 * start to its stop. Each URL has its own follower: events reach it in id order, one at a time (the
 * next waits until the previous is delivered or given up), and a slow or dead URL never delays
 * another.
 *
 * <h2>No event lost while the hub runs</h2>
 * A follower keeps the id of the last event it handled and reads from the history after it
 * ({@link EventLog#stream}): when it falls behind the live feed (an endpoint retrying for a minute
 * while events keep coming), it resumes from the database without a gap. Delivery is at least once
 * (a receiver de-duplicates by {@code Codehub-Delivery}); a follower starts at the newest event when
 * the hub starts, so events of the time the hub was down are not sent.
 */
public final class Webhooks implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Webhooks.class);
    /** Before a follower reads the history again after an error: 1 s doubling to 30 s, ±50 %. */
    private static final Backoff RESUME_BACKOFF = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30))
            .withProportionalJitter(0.5);

    private final EventLog events;
    private final EventRepository history;
    private final EventFilter filter;
    private final ConnectionProvider connections;
    private final List<WebhookEndpoint> endpoints;
    private final List<Disposable> followers = new ArrayList<>();
    private final RandomGenerator random;
    private volatile boolean running;

    /** With a fresh {@link Random} for the retries' jitter. */
    public Webhooks(WebhookProperties settings, EventLog events, EventRepository history, JsonMapper json, Clock clock) {
        this(settings, events, history, json, clock, new Random());
    }

    /** With {@code random} for the jitter of every retry (the followers' and the endpoints'). */
    public Webhooks(WebhookProperties settings, EventLog events, EventRepository history, JsonMapper json, Clock clock,
            RandomGenerator random) {
        this.random = random;
        this.events = events;
        this.history = history;
        this.filter = new EventFilter(null, null, types(settings));
        this.connections = ConnectionProvider.builder("codehub-webhooks")
                .maxConnections(2 * WebhookProperties.MAX_URLS)
                .maxIdleTime(Duration.ofSeconds(30))
                .build();
        String secret = settings.secret();
        this.endpoints = secret == null ? List.of() : settings.urls().stream()
                .map(url -> new WebhookEndpoint(url, connections, new WebhookSignature(secret), json, clock, settings,
                        random))
                .toList();
    }

    private static Set<EventType> types(WebhookProperties settings) {
        try {
            return Set.copyOf(settings.events().stream()
                    .map(type -> EventType.fromWire("CODEHUB_HUB_WEBHOOKS_EVENTS", type.strip())).toList());
        } catch (HubProblemException e) {
            throw new ConfigurationException("CODEHUB_HUB_WEBHOOKS_EVENTS", e.getMessage(),
                    "Name event types as docs/operations.md lists them, e.g. agent.connected,agent.disconnected.");
        }
    }

    @Override
    public synchronized void start() {
        if (endpoints.isEmpty()) {
            running = true;
            return;
        }
        long newest = history.lastId().blockOptional(Duration.ofSeconds(30)).orElse(0L);
        for (WebhookEndpoint endpoint : endpoints) {
            followers.add(follow(endpoint, newest));
            log.info("webhook {}: sending {} from event {} on", endpoint.origin(), filter.types(), newest);
        }
        running = true;
    }

    private Disposable follow(WebhookEndpoint endpoint, long from) {
        AtomicLong handled = new AtomicLong(from);
        return Flux.defer(() -> events.stream(handled.get(), filter))
                .concatMap(event -> endpoint.deliver(event).doOnNext(outcome -> handled.set(event.id())), 0)
                .retryWhen(BackoffRetry.of(RESUME_BACKOFF, Long.MAX_VALUE, random)
                        .doBeforeRetry(signal -> log.info("webhook {}: resuming after event {} ({})", endpoint.origin(),
                                handled.get(), signal.failure().toString())))
                .subscribe();
    }

    @Override
    public synchronized void stop() {
        running = false;
        followers.forEach(Disposable::dispose);
        followers.clear();
        connections.dispose();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
