package io.codehub.hub.problem;

import java.util.List;

import io.codehub.web.ProblemResponses;
import io.codehub.web.ProblemWebExceptionHandler;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import tools.jackson.databind.json.JsonMapper;

/** Registers the problem+json writer and the exception handler ahead of Boot's own. */
@Configuration(proxyBeanMethods = false)
public class ProblemConfiguration {

    @Bean
    ProblemResponses problemResponses(JsonMapper json) {
        return new ProblemResponses(json);
    }

    @Bean
    @Order(-2) // ahead of Boot's DefaultErrorWebExceptionHandler (-1)
    ProblemWebExceptionHandler problemWebExceptionHandler(ProblemResponses problems) {
        return new ProblemWebExceptionHandler(problems, "hub", List.of(new HubProblemMapper()));
    }
}
