package io.codehub.hub.identity;

import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Map;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import io.codehub.pki.Pem;

/**
 * Who the hub is: its ES256 (EC P-256) key pair and its id. The id is the key's RFC 7638 JWK
 * thumbprint, so it is stable for as long as the key is and names the key agents must trust.
 * The private key never leaves this object except to sign ({@link #privateKey()}); {@link #toString()}
 * shows only the id.
 */
public final class HubIdentity {

    private final ECKey key;
    private final String hubId;

    HubIdentity(ECKey key) {
        if (!key.isPrivate()) {
            throw new IllegalArgumentException("the hub key has no private part");
        }
        if (!ECKey.SUPPORTED_CURVES.contains(key.getCurve()) || !"P-256".equals(key.getCurve().getName())) {
            throw new IllegalArgumentException("the hub key is on " + key.getCurve() + " (expected: P-256)");
        }
        try {
            this.hubId = key.computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot compute the hub key's thumbprint: " + e.getMessage(), e);
        }
        this.key = new ECKey.Builder(key).keyID(hubId).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256).build();
    }

    /** The hub's id (its key's thumbprint, base64url). */
    public String hubId() {
        return hubId;
    }

    /** The signing key; use only to sign. */
    public ECPrivateKey privateKey() {
        try {
            return key.toECPrivateKey();
        } catch (JOSEException e) {
            throw new IllegalStateException("hub key: " + e.getMessage(), e);
        }
    }

    /** The public key agents verify tokens with. */
    public ECPublicKey publicKey() {
        try {
            return key.toECPublicKey();
        } catch (JOSEException e) {
            throw new IllegalStateException("hub key: " + e.getMessage(), e);
        }
    }

    /** The public key as a PEM {@code PUBLIC KEY} block (X.509 SubjectPublicKeyInfo), as agents read it. */
    public String publicKeyPem() {
        return Pem.encode(publicKey());
    }

    /** The JWK Set with the public key only, as served at {@code /.well-known/jwks.json}. */
    public Map<String, Object> publicJwks() {
        return new JWKSet(key.toPublicJWK()).toJSONObject(true);
    }

    /** The full key, private part included, for the key store. */
    ECKey privateJwk() {
        return key;
    }

    @Override
    public String toString() {
        return "HubIdentity[" + hubId + "]";
    }
}
