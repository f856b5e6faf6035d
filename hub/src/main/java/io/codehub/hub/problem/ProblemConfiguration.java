package io.codehub.hub.problem;

import java.util.List;

import io.codehub.web.ProblemResponses;
import io.codehub.web.ProblemWebExceptionHandler;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * Registers the problem+json writer and the exception handler ahead of Boot's own, and the handler
 * that gives the HTTP codec's own refusals (414, 431, 400 before any route) a problem+json body.
 */
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

    /** The limits are Boot's settings of Reactor Netty's decoder (its defaults: 4 KiB, 8 KiB). */
    @Bean
    NettyServerCustomizer codecRefusalProblems(
            @Value("${server.netty.max-initial-line-length:4KB}") DataSize maxRequestLine,
            @Value("${server.max-http-request-header-size:8KB}") DataSize maxHeaders) {
        CodecRefusalProblems.Limits limits = new CodecRefusalProblems.Limits(maxRequestLine.toBytes(),
                maxHeaders.toBytes());
        return server -> server.doOnChannelInit((observer, channel, remote) ->
                CodecRefusalProblems.install(channel.pipeline(), limits));
    }
}
