package io.codehub.hub.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

import io.codehub.web.BodyLimitFilter;
import io.codehub.web.ConfigurationException;
import io.codehub.web.ProblemResponses;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.reactive.config.WebFluxConfigurer;

/** The hub's basic wiring: the clock, the data directory and the request body limit. */
@Configuration(proxyBeanMethods = false)
public class HubConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /** The data directory, created when missing. */
    @Bean
    DataDirectory dataDirectory(HubProperties properties) {
        Path dir = properties.dataDir().toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ConfigurationException("CODEHUB_HUB_DATA_DIR", "cannot create " + dir + ": " + e.getMessage(),
                    "Create the directory, or point CODEHUB_HUB_DATA_DIR at one the hub can write.", e);
        }
        if (!Files.isWritable(dir)) {
            throw new ConfigurationException("CODEHUB_HUB_DATA_DIR", dir + " is not writable",
                    "Make it writable by the hub's user, or point CODEHUB_HUB_DATA_DIR elsewhere.");
        }
        return new DataDirectory(dir);
    }

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    BodyLimitFilter bodyLimitFilter(HubProperties properties, ProblemResponses problems) {
        return new BodyLimitFilter(properties.maxBodyBytes(), problems);
    }

    @Bean
    WebFluxConfigurer bodyLimits(HubProperties properties) {
        return new WebFluxConfigurer() {
            @Override
            public void configureHttpMessageCodecs(ServerCodecConfigurer configurer) {
                configurer.defaultCodecs().maxInMemorySize(properties.maxBodyBytes());
            }
        };
    }
}
