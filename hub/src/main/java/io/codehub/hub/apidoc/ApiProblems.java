package io.codehub.hub.apidoc;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.codehub.base.CodehubProblemType;
import io.codehub.hub.problem.HubProblemType;
import io.codehub.runtime.ProblemType;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;

/**
 * The error side of the Hub API document: the {@code Problem} schema (RFC 9457, as
 * {@code io.codehub.web.ProblemResponses} writes it: all five members, always) and one response
 * per problem, which operations refer to by {@code $ref} ({@link HubApiDocument}).
 */
final class ApiProblems {

    static final String SCHEMA = "Problem";
    static final String MEDIA_TYPE = "application/problem+json";

    /**
     * The Agent API's types the hub serves itself: the shared mapping of web-support (bad JSON,
     * media type, route, method, size, bug), the admin token filter, and the workspace spec's checks.
     */
    static final List<ProblemType> SHARED_TYPES = List.of(ProblemType.MALFORMED_REQUEST, ProblemType.INVALID_SPEC,
            ProblemType.UNAUTHORIZED, ProblemType.ROUTE_NOT_FOUND, ProblemType.METHOD_NOT_ALLOWED,
            ProblemType.PAYLOAD_TOO_LARGE, ProblemType.UNSUPPORTED_MEDIA_TYPE, ProblemType.INTERNAL);

    /** Response names (under {@code #/components/responses/}) shared by the common responses. */
    static final String UNAUTHORIZED = "Unauthorized";
    static final String TOO_MANY_FAILED_AUTHENTICATIONS = "TooManyFailedAuthentications";
    static final String PAYLOAD_TOO_LARGE = "PayloadTooLarge";
    static final String UNSUPPORTED_MEDIA_TYPE = "UnsupportedMediaType";
    static final String INTERNAL = "Internal";
    static final String DATABASE_UNAVAILABLE = "DatabaseUnavailable";
    static final String BAD_REQUEST = "BadRequest";

    private ApiProblems() {
    }

    /** Every problem type the hub's API answers with, by URI. */
    static List<String> typeUris() {
        return Stream.concat(Stream.of(HubProblemType.values()), SHARED_TYPES.stream())
                .map(CodehubProblemType::uri).map(Object::toString).sorted().toList();
    }

    @SuppressWarnings("rawtypes")
    static Schema<?> schema() {
        StringSchema type = new StringSchema();
        type.setEnum(new ArrayList<>(typeUris()));
        type.description("The problem's stable type; clients match on it, never on title or detail.");
        Map<String, Schema> properties = new LinkedHashMap<>();
        properties.put("type", type);
        properties.put("title", new StringSchema().description("The type's summary, the same for every occurrence."));
        properties.put("status", new IntegerSchema().format(null).minimum(BigDecimal.valueOf(400))
                .maximum(BigDecimal.valueOf(599)).description("The HTTP status."));
        properties.put("detail", new StringSchema().description("What went wrong this time, for people."));
        properties.put("instance", new StringSchema().description("The request's path."));
        return new ObjectSchema().description("RFC 9457 problem details, served as " + MEDIA_TYPE + ".")
                .properties(properties).required(List.of("type", "title", "status", "detail", "instance"));
    }

    /** The reusable problem responses, by name. */
    static Map<String, ApiResponse> responses() {
        Map<String, ApiResponse> responses = new LinkedHashMap<>();
        responses.put(BAD_REQUEST, problem("The request is not valid: " + slug(HubProblemType.VALIDATION_FAILED)
                + " (a field is missing or out of range; the detail names it), " + slug(ProblemType.INVALID_SPEC)
                + " (a workspace's instance field, checked as an agent checks it) or "
                + slug(ProblemType.MALFORMED_REQUEST) + " (the body is not JSON)."));
        responses.put(UNAUTHORIZED, problem("Missing or wrong admin token (" + slug(ProblemType.UNAUTHORIZED) + ").")
                .addHeaderObject("WWW-Authenticate", new Header().description("Bearer realm=\"codehub\"")
                        .schema(new StringSchema())));
        responses.put(TOO_MANY_FAILED_AUTHENTICATIONS, problem("This client address sent too many wrong or missing "
                + "admin tokens (CODEHUB_ADMIN_FAILED_AUTH_BURST, one more per CODEHUB_ADMIN_FAILED_AUTH_REFILL); retry "
                + "after Retry-After seconds (" + slug(HubProblemType.TOO_MANY_FAILED_AUTHENTICATIONS) + ").")
                .addHeaderObject("Retry-After", new Header().description("Seconds until the address may try again.")
                        .schema(new IntegerSchema().format(null))));
        responses.put("AccessDenied", problem("The workspace has an owner and the request names another subject ("
                + slug(HubProblemType.ACCESS_DENIED) + ")."));
        responses.put("AgentNotFound", problem("No agent has that id (" + slug(HubProblemType.AGENT_NOT_FOUND) + ")."));
        responses.put("WorkspaceNotFound", problem("No workspace has that id, or it is being deleted ("
                + slug(HubProblemType.WORKSPACE_NOT_FOUND) + ")."));
        responses.put("AgentHasWorkspaces", problem("The agent still holds workspaces ("
                + slug(HubProblemType.AGENT_HAS_WORKSPACES) + ")."));
        responses.put("NoEligibleAgent", problem("No active agent with free capacity fits the request; the detail says "
                + "why (" + slug(HubProblemType.NO_ELIGIBLE_AGENT) + ")."));
        responses.put("InvalidTransition", problem("The workspace cannot go there from where it is: a restore of a "
                + "workspace that is not archived, or any request on one being deleted ("
                + slug(HubProblemType.INVALID_TRANSITION) + ")."));
        responses.put("PkiNotConfigured", problem("The hub runs without a certificate authority, CODEHUB_HUB_PKI_DIR ("
                + slug(HubProblemType.PKI_NOT_CONFIGURED) + ")."));
        responses.put("NoTunnelSession", problem("The agent has no open tunnel session with this hub: it is "
                + "disconnected, or the hub calls it directly (" + slug(HubProblemType.NO_TUNNEL_SESSION) + ")."));
        responses.put("TooManyEventStreams", problem("CODEHUB_HUB_EVENTS_MAX_STREAMS event streams are open; retry "
                + "later (" + slug(HubProblemType.TOO_MANY_EVENT_STREAMS) + ")."));
        responses.put(PAYLOAD_TOO_LARGE, problem("The body exceeds CODEHUB_HUB_MAX_BODY_BYTES ("
                + slug(ProblemType.PAYLOAD_TOO_LARGE) + ")."));
        responses.put(UNSUPPORTED_MEDIA_TYPE, problem("The body is not application/json ("
                + slug(ProblemType.UNSUPPORTED_MEDIA_TYPE) + ")."));
        responses.put(INTERNAL, problem("A fault in the hub; the detail carries an incident id found in its log ("
                + slug(ProblemType.INTERNAL) + ")."));
        responses.put(DATABASE_UNAVAILABLE, problem("The hub's database cannot be reached; retry later ("
                + slug(HubProblemType.DATABASE_UNAVAILABLE) + ")."));
        return responses;
    }

    /** A reference to the response {@code name}. */
    static ApiResponse ref(String name) {
        return new ApiResponse().$ref("#/components/responses/" + name);
    }

    private static ApiResponse problem(String description) {
        return new ApiResponse().description(description).content(new Content().addMediaType(MEDIA_TYPE,
                new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + SCHEMA))));
    }

    private static String slug(CodehubProblemType type) {
        return "`" + type.slug() + "`";
    }
}
