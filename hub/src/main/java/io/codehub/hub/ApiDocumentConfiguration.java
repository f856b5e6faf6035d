package io.codehub.hub;

import io.codehub.base.CodehubProblemType;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The Hub API document served at {@code /v3/api-docs} (springdoc): its title and its admin bearer scheme. */
@Configuration(proxyBeanMethods = false)
public class ApiDocumentConfiguration {

    @Bean
    OpenAPI hubApiDocument() {
        return new OpenAPI()
                .info(new Info().title("codehub Hub API").version(HubApplication.version())
                        .description("The control plane API: agents, workspaces and the hub's identity. Every "
                                + "/api/v1 call needs Authorization: Bearer <admin token>; errors are RFC 9457 "
                                + "application/problem+json with a stable type " + CodehubProblemType.URI_PREFIX + "<slug>."))
                .components(new Components().addSecuritySchemes("admin",
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")))
                .addSecurityItem(new SecurityRequirement().addList("admin"));
    }
}
