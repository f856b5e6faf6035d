package io.codehub.hub.events;

/**
 * Where the rest of the hub records events: {@link EventLog} in the application, {@link #NONE} or a
 * recording fake in tests. {@link #publish} must never block and never throw, so that recording an
 * event never slows or fails the operation it records; it may be called on a Netty event loop.
 */
@FunctionalInterface
public interface EventPublisher {

    /** Records nothing. */
    EventPublisher NONE = event -> { };

    /** Records {@code event} as happening now (asynchronously). */
    void publish(NewEvent event);
}
