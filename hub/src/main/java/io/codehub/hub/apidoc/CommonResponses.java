package io.codehub.hub.apidoc;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponses;
import org.springdoc.core.customizers.OpenApiCustomizer;

/**
 * Adds to every operation the problem responses that come from the hub's filters and shared
 * error mapping rather than from its controllers, which declare their own (404, 409, ...):
 * <ul>
 *   <li>401 {@code unauthorized} on {@code /api/**}, which the admin token filter guards; every other
 *       path is public ({@code security: []});</li>
 *   <li>400, 413 and 415 on operations that take a body (the codecs and the body limit filter);</li>
 *   <li>503 {@code database-unavailable} on the agents and workspaces APIs, which read the database;</li>
 *   <li>500 {@code internal} everywhere.</li>
 * </ul>
 * It also anchors every schema {@code pattern}: Bean Validation's {@code @Pattern} matches the whole
 * value, a JSON Schema {@code pattern} any part of it. Responses are then sorted by status.
 */
final class CommonResponses implements OpenApiCustomizer {

    /** The prefix the admin token filter guards ({@code AdminConfiguration}). */
    static final String ADMIN_PREFIX = "/api/";
    private static final List<String> DATABASE_PATHS = List.of("/api/v1/agents", "/api/v1/workspaces",
            "/api/v1/events");

    @Override
    public void customise(OpenAPI openApi) {
        openApi.getPaths().forEach((path, item) -> item.readOperations().forEach(operation -> complete(path, operation)));
        if (openApi.getComponents() != null && openApi.getComponents().getSchemas() != null) {
            openApi.getComponents().getSchemas().values().forEach(CommonResponses::anchorPatterns);
        }
    }

    private static void complete(String path, Operation operation) {
        ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
        if (path.startsWith(ADMIN_PREFIX)) {
            responses.putIfAbsent("401", ApiProblems.ref(ApiProblems.UNAUTHORIZED));
            responses.putIfAbsent("429", ApiProblems.ref(ApiProblems.TOO_MANY_FAILED_AUTHENTICATIONS));
        } else {
            operation.setSecurity(List.of());
        }
        if (operation.getRequestBody() != null) {
            responses.putIfAbsent("400", ApiProblems.ref(ApiProblems.BAD_REQUEST));
            responses.putIfAbsent("413", ApiProblems.ref(ApiProblems.PAYLOAD_TOO_LARGE));
            responses.putIfAbsent("415", ApiProblems.ref(ApiProblems.UNSUPPORTED_MEDIA_TYPE));
        }
        if (DATABASE_PATHS.stream().anyMatch(path::startsWith)) {
            responses.putIfAbsent("503", ApiProblems.ref(ApiProblems.DATABASE_UNAVAILABLE));
        }
        responses.putIfAbsent("500", ApiProblems.ref(ApiProblems.INTERNAL));
        ApiResponses sorted = new ApiResponses();
        responses.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.naturalOrder()))
                .forEach(e -> sorted.addApiResponse(e.getKey(), e.getValue()));
        sorted.setExtensions(responses.getExtensions());
        operation.setResponses(sorted);
    }

    @SuppressWarnings("rawtypes")
    private static void anchorPatterns(Schema<?> schema) {
        String pattern = schema.getPattern();
        if (pattern != null && !pattern.startsWith("^")) {
            schema.setPattern("^(?:" + pattern + ")$");
        }
        if (schema.getProperties() != null) {
            for (Schema property : schema.getProperties().values()) {
                anchorPatterns(property);
            }
        }
        if (schema.getItems() != null) {
            anchorPatterns(schema.getItems());
        }
    }
}
