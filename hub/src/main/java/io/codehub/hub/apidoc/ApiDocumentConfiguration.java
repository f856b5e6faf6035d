package io.codehub.hub.apidoc;

import java.util.List;

import io.codehub.base.CodehubProblemType;
import io.swagger.v3.core.converter.ModelConverter;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import io.swagger.v3.oas.models.servers.ServerVariable;
import io.swagger.v3.oas.models.servers.ServerVariables;
import io.swagger.v3.oas.models.tags.Tag;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Hub API document served at {@code /v3/api-docs} (springdoc): what the controllers'
 * annotations do not say (title, server, tags, the admin bearer scheme, the problem responses),
 * the responses every operation shares ({@link CommonResponses}) and required record members
 * ({@link RequiredRecordComponents}). The document is committed as {@code docs/hub-api.yaml}; a
 * test fails when the hub serves anything else, and the build lints that file and generates a
 * client from it (docs/hub-api.md).
 */
@Configuration(proxyBeanMethods = false)
public class ApiDocumentConfiguration {

    /** The security scheme of the admin token. */
    static final String ADMIN = "admin";

    @Bean
    OpenAPI hubApiDocument() {
        ServerVariables variables = new ServerVariables();
        variables.addServerVariable("scheme", new ServerVariable()._enum(List.of("http", "https"))._default("http")
                .description("https when the hub's listener has TLS (SERVER_SSL_*)."));
        variables.addServerVariable("host", new ServerVariable()._default("127.0.0.1"));
        variables.addServerVariable("port", new ServerVariable()._default("8080").description("SERVER_PORT."));
        return new OpenAPI()
                .info(new Info().title("codehub Hub API").version("1")
                        .summary("The control plane: agents, workspaces, access to workspaces, the hub's identity.")
                        .description("Every /api/v1 call needs `Authorization: Bearer <admin token>`. Bodies are JSON; "
                                + "absent optional members are left out of answers; times are ISO-8601 UTC. Errors are "
                                + "RFC 9457 `application/problem+json` with a stable `type` (`"
                                + CodehubProblemType.URI_PREFIX + "<slug>`). Changes to workspaces are recorded at once "
                                + "(202) and carried out by the hub's reconciler: poll the workspace until its `state` "
                                + "is its `desiredState`.")
                        .license(new License().name("Apache-2.0").identifier("Apache-2.0")))
                .servers(List.of(new Server().url("{scheme}://{host}:{port}")
                        .description("A hub's API listener.").variables(variables)))
                .tags(List.of(
                        new Tag().name(HubApiDocument.AGENTS).description("Runtime Agents: registration, API keys, "
                                + "settings, health, certificates."),
                        new Tag().name(HubApiDocument.WORKSPACES).description("Workspaces: placed on an agent, "
                                + "reconciled to their desired state, opened through the gateway."),
                        new Tag().name(HubApiDocument.HUB).description("The hub's identity: the key agents verify its "
                                + "tokens with."),
                        new Tag().name(HubApiDocument.PKI).description("The public files of the hub's certificate "
                                + "authority (when CODEHUB_HUB_PKI_DIR is set)."),
                        new Tag().name(HubApiDocument.FLEET).description("The fleet's recent history, sampled in "
                                + "memory for the dashboard's chart."),
                        new Tag().name(HubApiDocument.EVENTS).description("The event history of agents and workspaces, "
                                + "paged and as a live, resumable text/event-stream.")))
                .components(new Components()
                        .addSecuritySchemes(ADMIN, new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                                .description("The admin token (CODEHUB_ADMIN_TOKEN, or the one the hub generated and "
                                        + "printed at its first start)."))
                        .addSchemas(ApiProblems.SCHEMA, ApiProblems.schema())
                        .responses(ApiProblems.responses()))
                .addSecurityItem(new SecurityRequirement().addList(ADMIN));
    }

    @Bean
    OpenApiCustomizer commonResponses() {
        return new CommonResponses();
    }

    @Bean
    ModelConverter requiredRecordComponents() {
        return new RequiredRecordComponents();
    }
}
