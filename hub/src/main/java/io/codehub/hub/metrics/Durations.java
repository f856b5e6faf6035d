package io.codehub.hub.metrics;

import java.time.Duration;

/** The histogram buckets of the hub's latency meters, from a LAN round trip to a slow Agent API call. */
final class Durations {

    /** 1 ms to 30 s. */
    static final Duration[] BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30),
    };

    private Durations() {
    }
}
