package io.codehub.pki;

import java.security.Provider;

/**
 * Where signatures on hot paths come from. The hub signs an ES256 token for every agent it calls
 * (renewed every few minutes, thousands at a hub's start) and each agent verifies them; on Java 17
 * the JDK's P-256 is plain Java and slow (a signature about 3 ms, a verification about 6 ms on a
 * 2-core EPYC, docs/benchmarks.md), BouncyCastle's four to seven times faster. Keys stay JDK keys;
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
