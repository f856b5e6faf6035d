/**
 * The hub's metrics (Micrometer, served as Prometheus text at {@code /actuator/prometheus}): the
 * observers the tunnel, the gateway, the reconciler and the health checker report to, gauges read
 * from live tunnels and from a periodic database count, the scrape token, and Reactor Netty's
 * server metrics. Every meter is listed in {@code docs/operations.md}. Other packages never depend
 * on this one: each defines its own small observer interface, implemented here.
 */
@NullMarked
package io.codehub.hub.metrics;

import org.jspecify.annotations.NullMarked;
