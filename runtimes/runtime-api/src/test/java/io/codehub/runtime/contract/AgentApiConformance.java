package io.codehub.runtime.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import io.codehub.runtime.AgentApiDocument;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Checks real Agent API responses against the OpenAPI 3.1 document with a JSON Schema 2020-12
 * validator (networknt), so that the document and the server cannot drift apart unnoticed.
 *
 * <p>Every response schema of the document is lifted into {@code components/schemas} under a
 * generated name, so that each check is a plain {@code $ref} into the document and inline schemas
 * keep resolving their own {@code $ref}s.
 */
public final class AgentApiConformance {

    private static final String DOCUMENT_IRI = "urn:codehub:agent-api";
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final List<Route> routes = new ArrayList<>();
    private final SchemaRegistry registry;

    private AgentApiConformance(ObjectNode document) {
        ObjectNode schemas = (ObjectNode) document.get("components").get("schemas");
        int lifted = 0;
        for (Map.Entry<String, JsonNode> path : document.get("paths").properties()) {
            Pattern pattern = Pattern.compile(path.getKey().replaceAll("\\{[^/]+}", "[^/]+"));
            for (Map.Entry<String, JsonNode> operation : path.getValue().properties()) {
                Map<String, Map<String, String>> responses = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> response : operation.getValue().get("responses").properties()) {
                    JsonNode resolved = resolve(document, response.getValue());
                    Map<String, String> content = new LinkedHashMap<>();
                    JsonNode media = resolved.get("content");
                    if (media != null) {
                        for (Map.Entry<String, JsonNode> type : media.properties()) {
                            String name = "__response" + (lifted++);
                            schemas.set(name, type.getValue().get("schema"));
                            content.put(type.getKey(), name);
                        }
                    }
                    responses.put(response.getKey(), content);
                }
                routes.add(new Route(operation.getKey().toUpperCase(Locale.ROOT), path.getKey(), pattern, responses));
            }
        }
        String json = JSON.writeValueAsString(document);
        this.registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(),
                builder -> builder.schemas(Map.of(DOCUMENT_IRI, json)));
    }

    /** Loads the document shipped in runtime-api. */
    public static AgentApiConformance load() {
        YAMLMapper yaml = YAMLMapper.builder().build();
        JsonNode document = yaml.readTree(new String(AgentApiDocument.bytes(), StandardCharsets.UTF_8));
        return new AgentApiConformance((ObjectNode) document);
    }

    /** The path templates and methods the document declares, e.g. {@code GET /instances/{workspaceId}/status}. */
    public List<String> operations() {
        return routes.stream().map(route -> route.method + " " + route.template).toList();
    }

    /**
     * Asserts that a response to {@code method requestPath} is documented: its status is declared for
     * the operation, its media type is one the document lists, and its body validates against the
     * schema. Returns the operation it matched, e.g. {@code GET /instances/{workspaceId}/status}.
     */
    public String assertResponse(String method, String requestPath, int status, String contentType, String body) {
        String path = requestPath.contains("?") ? requestPath.substring(0, requestPath.indexOf('?')) : requestPath;
        Route route = routes.stream()
                .filter(r -> r.method.equals(method.toUpperCase(Locale.ROOT)) && r.pattern.matcher(path).matches())
                .findFirst()
                .orElseGet(() -> fail("%s %s is not an operation of the Agent API document", method, path));
        String operation = route.method + " " + route.template;
        Map<String, String> content = route.responses.get(Integer.toString(status));
        if (content == null) {
            fail("%s answered %d, which the document does not declare (declared: %s)", operation, status,
                    route.responses.keySet());
        }
        if (content.isEmpty()) {
            assertThat(body == null ? "" : body).as("%s %d declares no body", operation, status).isEmpty();
            return operation;
        }
        String mediaType = contentType == null ? "" : contentType.split(";")[0].trim();
        String schemaName = content.get(mediaType);
        if (schemaName == null) {
            fail("%s %d answered with media type '%s'; the document declares %s", operation, status, mediaType,
                    content.keySet());
        }
        Schema schema = registry.getSchema(SchemaLocation.of(DOCUMENT_IRI + "#/components/schemas/" + schemaName));
        List<Error> errors = schema.validate(JSON.readTree(body));
        assertThat(errors).as("%s %d body %s does not match the document", operation, status, body).isEmpty();
        return operation;
    }

    private static JsonNode resolve(JsonNode document, JsonNode node) {
        JsonNode ref = node.get("$ref");
        if (ref == null) {
            return node;
        }
        JsonNode target = document;
        for (String segment : ref.asString().substring(2).split("/")) {
            target = target.get(segment.replace("~1", "/").replace("~0", "~"));
        }
        return target;
    }

    private record Route(String method, String template, Pattern pattern, Map<String, Map<String, String>> responses) {
    }
}
