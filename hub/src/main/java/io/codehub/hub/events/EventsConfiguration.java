package io.codehub.hub.events;

import java.time.Clock;

import io.codehub.hub.config.EventsProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wires the event history: its table, the log other packages publish to and the retention sweep
 * ({@link EventController} is found by scanning).
 */
@Configuration(proxyBeanMethods = false)
public class EventsConfiguration {

    @Bean
    EventRepository eventRepository(DatabaseClient db, JsonMapper json, TransactionalOperator tx) {
        return new EventRepository(db, json, tx);
    }

    @Bean(destroyMethod = "close")
    EventLog eventLog(EventRepository repository, Clock clock, EventsProperties properties) {
        return new EventLog(repository, clock, properties.queueCapacity(), properties.streamBuffer());
    }

    @Bean
    EventSweeper eventSweeper(EventRepository repository, EventsProperties properties, Clock clock) {
        return new EventSweeper(repository, properties.retention(), properties.sweepInterval(),
                properties.sweepMaxRows(), clock);
    }
}
