package io.codehub.hub.dashboard;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The security headers of every dashboard answer ({@code /}, {@value DashboardConfiguration#ASSETS}**,
 * {@value DashboardConfiguration#WEBJARS}**), problems included:
 * <ul>
 *   <li>a Content-Security-Policy that allows scripts, styles and API calls from the hub's own origin
 *       only: no inline script or style, no {@code eval}, no plug-ins, no framing
 *       ({@code frame-ancestors 'none'}), no form submission anywhere (the login form is handled by
 *       script, so a token can never leave in a form's URL), and Trusted Types for the DOM sinks
 *       (only lit-html's policy may create HTML);</li>
 *   <li>{@code X-Content-Type-Options: nosniff}, {@code Referrer-Policy: no-referrer},
 *       {@code X-Frame-Options: DENY} for browsers without {@code frame-ancestors}, and
 *       {@code Cross-Origin-Opener-Policy: same-origin};</li>
 *   <li>{@code Cache-Control: no-cache}: browsers keep the files but revalidate them (ETag or
 *       Last-Modified, answered 304), so a hub upgrade is never mixed with the assets of the old one.</li>
 * </ul>
 * The API's JSON answers are left alone.
 */
final class DashboardHeaders implements WebFilter {

    /** The dashboard's Content-Security-Policy. */
    static final String CONTENT_SECURITY_POLICY = String.join("; ",
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "require-trusted-types-for 'script'",
            "trusted-types lit-html");

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (isDashboard(path)) {
            ServerHttpResponse response = exchange.getResponse();
            HttpHeaders headers = response.getHeaders();
            headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            headers.set("X-Content-Type-Options", "nosniff");
            headers.set("X-Frame-Options", "DENY");
            headers.set("Referrer-Policy", "no-referrer");
            headers.set("Cross-Origin-Opener-Policy", "same-origin");
            headers.setCacheControl("no-cache");
        }
        return chain.filter(exchange);
    }

    static boolean isDashboard(String path) {
        return path.equals("/") || path.startsWith(DashboardConfiguration.ASSETS)
                || path.startsWith(DashboardConfiguration.WEBJARS);
    }
}
