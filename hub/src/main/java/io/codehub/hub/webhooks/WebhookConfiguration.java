package io.codehub.hub.webhooks;

import java.time.Clock;

import io.codehub.hub.config.WebhookProperties;
import io.codehub.hub.events.EventLog;
import io.codehub.hub.events.EventRepository;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** The webhook followers ({@link Webhooks}); idle while {@code CODEHUB_HUB_WEBHOOKS_URLS} is empty. */
@Configuration(proxyBeanMethods = false)
public class WebhookConfiguration {

    @Bean
    Webhooks webhooks(WebhookProperties settings, EventLog events, EventRepository history, JsonMapper json,
            Clock clock) {
        return new Webhooks(settings, events, history, json, clock);
    }
}
