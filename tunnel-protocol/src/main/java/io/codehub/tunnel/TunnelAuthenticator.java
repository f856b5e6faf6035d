package io.codehub.tunnel;

import java.util.concurrent.CompletionStage;

/**
 * Decides whether an agent may open a tunnel. Called once per upgrade request, on an event loop,
 * after the hub's own pre-authentication checks (header caps, rate limit, tunnel limit) passed;
 * it must not block: return a stage completed on another thread (for example a bounded pool that
 * runs bcrypt). A stage completed exceptionally is answered with 503, so the agent retries later.
 *
 * <p>The {@link HandshakeRequest} carries the TLS peer certificate chain when the server's
 * {@code SslContext} asks for client certificates: the seam for mTLS.
 */
@FunctionalInterface
public interface TunnelAuthenticator {

    CompletionStage<AuthDecision> authenticate(HandshakeRequest request);
}
