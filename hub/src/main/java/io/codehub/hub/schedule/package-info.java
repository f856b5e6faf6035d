/**
 * Background work the hub repeats on a timer ({@link io.codehub.hub.schedule.Periodic}): sweeps,
 * counts, samples. Depends on no other package of the hub.
 */
@NullMarked
package io.codehub.hub.schedule;

import org.jspecify.annotations.NullMarked;
