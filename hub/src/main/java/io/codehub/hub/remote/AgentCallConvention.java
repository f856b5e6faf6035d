package io.codehub.hub.remote;

import io.micrometer.common.KeyValues;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientRequestObservationContext;
import org.springframework.web.reactive.function.client.ClientRequestObservationConvention;
import org.springframework.web.reactive.function.client.ClientResponse;

/**
 * Names and tags each Agent API call {@link RemoteRuntime} makes (one per attempt) for metrics:
 * {@value #NAME} with {@code operation} (method and URI template, e.g.
 * {@code POST /instances/{id}/start}: never an agent or workspace id) and {@code outcome}
 * ({@code ok}, {@code client_error}, {@code server_error}, {@code error} for a transport failure,
 * {@code cancelled} for a call given up, mostly at its timeout).
 */
final class AgentCallConvention implements ClientRequestObservationConvention {

    /** The observation's name; Prometheus shows it as {@code codehub_agent_api_calls_seconds}. */
    static final String NAME = "codehub.agent.api.calls";

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public String getContextualName(ClientRequestObservationContext context) {
        return "agent api " + operation(context);
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(ClientRequestObservationContext context) {
        return KeyValues.of("operation", operation(context), "outcome", outcome(context));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(ClientRequestObservationContext context) {
        return KeyValues.empty();
    }

    static String operation(ClientRequestObservationContext context) {
        ClientRequest request = context.getRequest();
        String method = request == null ? "UNKNOWN" : request.method().name();
        return method + " " + path(context.getUriTemplate());
    }

    /** The template's path: a base URL in front ({@code tunnel://<agent id>}) would be an unbounded label. */
    static String path(@Nullable String template) {
        if (template == null) {
            return "unknown";
        }
        int scheme = template.indexOf("://");
        if (scheme < 0) {
            return template;
        }
        int slash = template.indexOf('/', scheme + 3);
        return slash < 0 ? "/" : template.substring(slash);
    }

    private static String outcome(ClientRequestObservationContext context) {
        ClientResponse response = context.getResponse();
        if (response != null) {
            int status = response.statusCode().value();
            return status < 400 ? "ok" : status < 500 ? "client_error" : "server_error";
        }
        if (context.getError() != null) {
            return "error";
        }
        return context.isAborted() ? "cancelled" : "unknown";
    }
}
