package io.codehub.hub.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.codehub.hub.gateway.GatewayObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The workspace gateway's meters: requests by status class with their duration, WebSockets open,
 * and body and WebSocket bytes each way. Every meter is looked up once, here: a request costs a
 * timer record and two counter increments.
 */
final class GatewayMeters implements GatewayObserver {

    private static final String[] CLASSES = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};

    private final Timer[] requests = new Timer[CLASSES.length];
    private final AtomicInteger webSockets = new AtomicInteger();
    private final Counter received;
    private final Counter sent;
    private final Counter accessLogDropped;

    GatewayMeters(MeterRegistry registry) {
        for (int i = 0; i < CLASSES.length; i++) {
            requests[i] = Timer.builder("codehub.gateway.requests")
                    .description("Gateway requests by status class (499: the client went first), and WebSockets "
                            + "(1xx) when they end, with their duration")
                    .tag("status", CLASSES[i])
                    .register(registry);
        }
        Gauge.builder("codehub.gateway.websockets.active", webSockets, AtomicInteger::get)
                .description("WebSockets open through the gateway")
                .register(registry);
        received = bytes(registry, "received");
        sent = bytes(registry, "sent");
        accessLogDropped = Counter.builder("codehub.gateway.access.log.dropped")
                .description("Access log lines the gateway dropped because more were waiting to be written than its "
                        + "queue holds (the log's output was slower than the traffic)")
                .register(registry);
    }

    private static Counter bytes(MeterRegistry registry, String direction) {
        return Counter.builder("codehub.gateway")
                .baseUnit("bytes")
                .description("Request and response body bytes and WebSocket bytes through the gateway; received "
                        + "is from clients, sent is to them; counted when a request or WebSocket ends")
                .tag("direction", direction)
                .register(registry);
    }

    @Override
    public void exchanged(int status, long bytesIn, long bytesOut, long nanos, boolean webSocket) {
        int statusClass = status / 100;
        requests[statusClass >= 1 && statusClass <= 5 ? statusClass : 0].record(nanos, TimeUnit.NANOSECONDS);
        if (bytesIn > 0) {
            received.increment(bytesIn);
        }
        if (bytesOut > 0) {
            sent.increment(bytesOut);
        }
        if (webSocket) {
            webSockets.decrementAndGet();
        }
    }

    @Override
    public void accessLogDropped(long lines) {
        accessLogDropped.increment(lines);
    }

    @Override
    public void webSocketOpened() {
        webSockets.incrementAndGet();
    }
}
