package io.codehub.pki;

import java.security.Provider;

/**
 * Where signatures on hot paths come from. The hub signs an ES256 token for every agent it calls
 * (renewed every few minutes, thousands at a hub's start) and each agent verifies them; on Java 17
 * the JDK's P-256 is plain Java and slow: on an idle 2-core EPYC a signature costs 0.5–0.6 ms and a
 * verification 0.8–1 ms, BouncyCastle's 0.3 and 0.2 ms (docs/security.md), and both grow several
 * times over on a busy machine. Keys stay JDK keys;
 * the provider is handed to the one signer or verifier that asks for it, never registered globally
 * (so the hub's JCA set-up, TLS included, is untouched).
 */
public final class SignatureProviders {

    private SignatureProviders() {
    }

    /** The provider for ECDSA signatures and verifications on NIST P-256 (ES256). */
    public static Provider ecdsa() {
        return Crypto.bouncyCastle();
    }
}
