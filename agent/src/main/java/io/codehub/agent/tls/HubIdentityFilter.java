package io.codehub.agent.tls;

import java.security.cert.X509Certificate;
import java.util.Set;

import io.codehub.pki.AgentIdentity;
import io.codehub.runtime.ProblemType;
import io.codehub.tunnel.TunnelStream;
import io.codehub.web.Problem;
import io.codehub.web.ProblemResponses;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * With {@code CODEHUB_AGENT_TLS_CLIENT_AUTH=require}: a call on the direct listener gets through only
 * when its TLS client certificate carries the hub's identity, the URI SAN {@code spiffe://codehub/hub}
 * that {@code codehub pki issue server} puts in the hub's certificate. The TLS layer has already verified the chain against {@code CODEHUB_AGENT_TLS_CA}; a
 * certificate it cannot verify fails the handshake. A call without a certificate, or with another
 * (an agent's), is answered {@code 403 forbidden} problem+json. The probes and the API document stay
 * open, so that an orchestrator without a client certificate can probe over HTTPS. Calls over the
 * tunnel are not checked here: the tunnel authenticated the hub when it was set up, and the bearer
 * token is checked on both doors.
 */
final class HubIdentityFilter implements WebFilter {

    /** The identity the hub's client certificate carries. */
    static final String HUB_URI = AgentIdentity.HUB_URI;
    private static final Logger log = LoggerFactory.getLogger(HubIdentityFilter.class);

    private final Set<String> openPaths;
    private final ProblemResponses problems;

    HubIdentityFilter(Set<String> openPaths, ProblemResponses problems) {
        this.openPaths = Set.copyOf(openPaths);
        this.problems = problems;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        if (openPaths.contains(request.getPath().pathWithinApplication().value()) || overTunnel(request)) {
            return chain.filter(exchange);
        }
        String refusal = refusal(request.getSslInfo());
        if (refusal == null) {
            return chain.filter(exchange);
        }
        log.info("refused {} {} from {}: {}", request.getMethod(), request.getPath(), request.getRemoteAddress(), refusal);
        return problems.write(exchange, Problem.of(ProblemType.FORBIDDEN, refusal));
    }

    private static boolean overTunnel(ServerHttpRequest request) {
        return ServerHttpRequestDecorator.getNativeRequest(request) instanceof TunnelStream;
    }

    /** Null when the client certificate is the hub's; otherwise why not. */
    static @Nullable String refusal(@Nullable SslInfo ssl) {
        X509Certificate[] chain = ssl == null ? null : ssl.getPeerCertificates();
        if (chain == null || chain.length == 0) {
            return "no TLS client certificate (expected: the hub's, with URI SAN " + HUB_URI + ")";
        }
        if (AgentIdentity.isHub(chain[0])) {
            return null;
        }
        return "the client certificate " + chain[0].getSubjectX500Principal().getName()
                + " is not the hub's (it has no URI SAN " + HUB_URI + ")";
    }
}
