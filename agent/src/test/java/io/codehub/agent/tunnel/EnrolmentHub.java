package io.codehub.agent.tunnel;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.codehub.agent.TestPki;
import io.codehub.pki.AgentIdentity;
import io.codehub.pki.Pem;
import io.codehub.pki.PkiException;
import io.codehub.runtime.ProblemType;
import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.HandshakeRequest;
import io.codehub.tunnel.TunnelEndpoint;

/**
 * A test hub that speaks the enrolment contract: a TLS tunnel port (server certificate of a test CA,
 * client certificates asked for and verified), an authenticator accepting the agent's API key, its
 * ticket or its certificate, and {@code POST /v1/certificate} signing CSRs with the test CA for the
 * API key's or the client certificate's agent. Records every handshake and enrolment request.
 */
final class EnrolmentHub implements AutoCloseable {

    final TestPki pki;
    final FakeHub hub;
    final List<HandshakeRequest> handshakes = new CopyOnWriteArrayList<>();
    final List<TunnelEndpoint.Request> enrolments = new CopyOnWriteArrayList<>();
    private final String agentId;
    private final String apiKey;
    private final Duration validity;
    /** CertificateAuthority writes its index: not on the event loop. */
    private final ExecutorService signer = Executors.newSingleThreadExecutor();

    EnrolmentHub(TestPki pki, String agentId, String apiKey, Duration validity) {
        this.pki = pki;
        this.agentId = agentId;
        this.apiKey = apiKey;
        this.validity = validity;
        this.hub = new FakeHub(agentId, builder -> builder
                .sslContext(pki.hubTls())
                .authenticator(request -> {
                    handshakes.add(request);
                    boolean accepted = apiKey.equals(request.apiKey())
                            || ("ticket-" + agentId).equals(request.resumptionTicket())
                            || certificateAgent(request.peerCertificates()).equals(Optional.of(agentId));
                    return CompletableFuture.completedFuture(accepted ? AuthDecision.accept(agentId, "ticket-" + agentId)
                            : AuthDecision.reject(401, "unknown credential", null));
                })
                .endpoint("POST", "/v1/certificate", 16 * 1024, this::enrol));
    }

    private CompletableFuture<TunnelEndpoint.Response> enrol(TunnelEndpoint.Request request) {
        enrolments.add(request);
        boolean byKey = apiKey.equals(request.bearerToken());
        boolean byCertificate = certificateAgent(request.peerCertificates()).equals(Optional.of(agentId));
        if (!byKey && !byCertificate) {
            return CompletableFuture.completedFuture(TunnelEndpoint.Response.problem(ProblemType.UNAUTHORIZED,
                    "unknown API key or certificate"));
        }
        if (!"application/pkcs10".equals(request.contentType())) {
            return CompletableFuture.completedFuture(TunnelEndpoint.Response.problem(ProblemType.MALFORMED_REQUEST,
                    "Content-Type " + request.contentType() + " (expected: application/pkcs10)"));
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                List<X509Certificate> chain = pki.ca().sign(request.body(), agentId, validity);
                return TunnelEndpoint.Response.ok("application/pem-certificate-chain",
                        Pem.encode(chain).getBytes(StandardCharsets.US_ASCII));
            } catch (PkiException e) {
                return TunnelEndpoint.Response.problem(ProblemType.FORBIDDEN, String.valueOf(e.getMessage()));
            }
        }, signer);
    }

    static Optional<String> certificateAgent(List<X509Certificate> chain) {
        return chain.isEmpty() ? Optional.empty() : AgentIdentity.agentId(chain.get(0));
    }

    String tlsUrl() {
        return hub.tlsUrl();
    }

    @Override
    public void close() throws Exception {
        try {
            hub.close();
        } finally {
            signer.shutdownNow();
        }
    }
}
