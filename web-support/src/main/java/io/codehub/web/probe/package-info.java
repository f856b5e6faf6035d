/**
 * The container health check of codehub's images ({@link io.codehub.web.probe.ReadinessProbe}): a
 * main class that needs nothing but {@code java.base}, so that an image can run it from a plain class
 * directory, without the application's jar, in a base image that has neither curl nor wget.
 */
@NullMarked
package io.codehub.web.probe;

import org.jspecify.annotations.NullMarked;
