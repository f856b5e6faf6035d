package io.codehub.hub.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.events.EventType;
import io.codehub.hub.events.NewEvent;

/** An {@link EventPublisher} that keeps what is published, for tests of the components that publish. */
public final class RecordingEvents implements EventPublisher {

    private final List<NewEvent> published = new CopyOnWriteArrayList<>();

    @Override
    public void publish(NewEvent event) {
        published.add(event);
    }

    /** Everything published, in order. */
    public List<NewEvent> all() {
        return List.copyOf(published);
    }

    /** The events of {@code type}, in order. */
    public List<NewEvent> of(EventType type) {
        return published.stream().filter(event -> event.type() == type).toList();
    }
}
