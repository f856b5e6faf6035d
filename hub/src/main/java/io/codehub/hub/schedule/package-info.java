/**
 * Background work the hub repeats on a timer ({@link io.codehub.hub.schedule.Periodic}): sweeps,
 * counts, samples; and the delays of its reactive retries ({@link io.codehub.hub.schedule.BackoffRetry}).
 * Depends on no other package of the hub.
 */
@NullMarked
package io.codehub.hub.schedule;

import org.jspecify.annotations.NullMarked;
