package io.codehub.runtime;

/** The body of {@code GET /volumes/{id}/exists}. */
public record VolumeExistence(boolean exists) {
}
