/**
 * Support code for {@link io.codehub.runtime.Runtime} implementations, not for their callers: the
 * parts every backend needs and that must not drift apart between backends (the bounded scheduler
 * blocking clients run on, the in-memory job registry and job lifecycle, the names and labels that
 * mark what codehub owns, configuration checks).
 *
 * <p>Public only because implementations live in other modules ({@code runtime-docker},
 * {@code runtime-kubernetes}). Nothing here knows a backend's client library: backend-specific
 * error mapping and object access stay in each runtime. The hub and API clients never use this
 * package.
 */
@NullMarked
package io.codehub.runtime.support;

import org.jspecify.annotations.NullMarked;
