package io.codehub.hub.identity;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

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

    private static final byte[] HKDF_SALT = "codehub hub key".getBytes(StandardCharsets.US_ASCII);

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

    /**
     * A 256-bit secret of this hub for {@code purpose}, derived from its private key with HKDF-SHA256
     * (RFC 5869; the purpose is the {@code info}, so each purpose gets an unrelated key): stable for as
     * long as the hub key is, known to nothing but this hub. For what only this hub signs and checks,
     * where an HMAC does what a signature does at a thousandth of the cost (resumption tickets).
     */
    public byte[] secret(String purpose) {
        try {
            byte[] d = key.toECPrivateKey().getS().toByteArray();
            Mac extract = Mac.getInstance("HmacSHA256");
            extract.init(new SecretKeySpec(HKDF_SALT, "HmacSHA256"));
            byte[] prk = extract.doFinal(d);
            Arrays.fill(d, (byte) 0);
            Mac expand = Mac.getInstance("HmacSHA256");
            expand.init(new SecretKeySpec(prk, "HmacSHA256"));
            Arrays.fill(prk, (byte) 0);
            expand.update(purpose.getBytes(StandardCharsets.UTF_8));
            return expand.doFinal(new byte[] {1});
        } catch (JOSEException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot derive the hub's " + purpose + " secret: " + e.getMessage(), e);
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
