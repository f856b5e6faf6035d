package io.codehub.hub.dashboard;

import java.nio.charset.StandardCharsets;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.config.ResourceHandlerRegistry;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Serves the dashboard on the API listener: {@code /} is its page, {@value #ASSETS} its own
 * scripts and styles (classpath {@code dashboard/}), {@value #WEBJARS} its libraries, named without
 * their version ({@code /webjars/lit-html/lit-html.js}; webjars-locator-lite finds it). Nothing
 * else is served from the classpath: {@code spring.web.resources.add-mappings} stays false, so
 * these three are the only static paths, next to {@code /api}, {@code /actuator}, {@code /pki},
 * {@code /.well-known} and {@code /v3/api-docs}. The gateway has its own port and never sees them.
 */
@Configuration(proxyBeanMethods = false)
public class DashboardConfiguration {

    /** Where the dashboard's own assets are served. */
    static final String ASSETS = "/dashboard/";
    /** Where its libraries are served. */
    static final String WEBJARS = "/webjars/";

    private static final MediaType HTML = new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8);
    private static final Resource PAGE = new ClassPathResource("dashboard/index.html");

    @Bean
    RouterFunction<ServerResponse> dashboardPage() {
        return RouterFunctions.route()
                .GET("/", request -> ServerResponse.ok().contentType(HTML).bodyValue(PAGE))
                .build();
    }

    @Bean
    WebFluxConfigurer dashboardAssets() {
        return new WebFluxConfigurer() {
            @Override
            public void addResourceHandlers(ResourceHandlerRegistry registry) {
                registry.addResourceHandler(ASSETS + "**").addResourceLocations("classpath:/dashboard/")
                        .resourceChain(true);
                registry.addResourceHandler(WEBJARS + "**")
                        .addResourceLocations("classpath:/META-INF/resources/webjars/").resourceChain(true);
            }
        };
    }

    @Bean
    DashboardHeaders dashboardHeaders() {
        return new DashboardHeaders();
    }
}
